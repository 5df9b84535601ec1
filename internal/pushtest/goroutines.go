package pushtest

import (
	"runtime"
	"testing"
)

// Goroutines returns a check that waits until no more goroutines run than
// before it was made, besides slack: call it before a test starts clients,
// and the check once they are gone.
func Goroutines(t testing.TB, slack int) func() {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		Eventually(t, func() bool { return runtime.NumGoroutine() <= before+slack },
			"the goroutines of the clients that went end")
	}
}
