// Package memstore is an in-memory [herald.Store], for tests, examples and
// applications that do not need their events to outlive the process.
// Everything is lost when the process exits or the store is closed; use
// [github.com/herald-go/herald/store/boltstore] to keep events on disk.
//
// A [Store] is safe for concurrent use. Append validates the whole batch
// before it changes anything, so a failed batch leaves no trace, and it
// allocates nothing per event once the store's slices and maps have grown.
// Reads are iterators that do not hold the store's lock while they yield:
// a handler may append to or read from the store inside the loop. A read
// yields the events stored when its iteration began, checks its context at
// the start and then every 256 events, and stops with an error matching
// [herald.ErrClosed] once the store is closed.
//
// The store keeps what an event refers to by reference: Data, Labels, User
// and Authorization are shared with the publisher and with every reader,
// and must not be changed after the event is published. A User or an
// Authorization equal to the one stored just before is kept once, so a
// reader may get an equal pointer instead of the one published. A
// timestamp read back has no monotonic clock reading, like one read from a
// file, and its location is one equal in name, abbreviation and offset.
// Snapshots are copied in and out.
//
// The store is a [driver.KeyStore]: the data of an event whose definition
// in the store's registry has personal fields (`herald:"personal"`) is
// kept as JSON with those fields sealed with a key of the event's user,
// and read back opened and decoded to its Go type. Once
// [Store.DeleteUserKey] returns (Publisher.ForgetUser calls it), the
// user's personal fields read as "" and their events as redacted.
package memstore
