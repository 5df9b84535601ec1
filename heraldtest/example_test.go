package heraldtest_test

import (
	"fmt"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/heraldtest"
)

// An application's test makes a sample mandatory for every event it
// defines.
func ExampleCheckRegistry() {
	r, _ := herald.NewRegistry()
	_, _ = herald.Define[sent](r, "communication", "message", "sent", herald.WithSample(sent{Text: "hey"}))
	_, _ = herald.Define[liked](r, "communication", "message", "liked")

	// In a test, t is the test's *testing.T: heraldtest.CheckRegistry(t, r).
	var t recorder
	heraldtest.CheckRegistry(&t, r)
	for _, failure := range t.failures {
		fmt.Println(failure)
	}
	// Output:
	// heraldtest: event communication.message.liked has no sample: give it one with herald.WithSample
}

var _ testing.TB = (*recorder)(nil)
