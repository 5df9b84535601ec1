// Package heraldtest holds checks for an application's tests of its use
// of herald.
//
// [CheckRegistry] is the test a team adds to its CI to make samples
// mandatory: it fails for each definition of a registry that has no
// sample, or whose sample its JSON Schema refuses, naming the event.
//
//	func TestEvents(t *testing.T) {
//		heraldtest.CheckRegistry(t, registry)
//	}
package heraldtest
