package nilargs

import (
	"errors"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/prefix/prefixtest"
)

// Case is one call with nil or zero arguments.
type Case struct {
	// Name says what is called with what, and, when the call accepts
	// its zero input, what it gives for it.
	Name string
	// Call makes the call and returns its error. A call that returns no
	// error checks its result with t, and returns nil.
	Call func(t *testing.T) error
	// Want is the error the call must return, as errors.Is matches it;
	// nil means the call must succeed.
	Want error
	// Names, when not empty, is what the error's text must name, such as
	// the option that refused its value.
	Names string
}

// Run runs each case as a subtest: the call must not panic, and must
// return an error matching Want and naming Names, or no error when Want
// is nil. The cases' names must be unique, so that each function is
// listed once for each input.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	seen := make(map[string]bool, len(cases))
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("two cases are named %q", c.Name)
		}
		seen[c.Name] = true
		t.Run(c.Name, func(t *testing.T) {
			var err error
			if !assert.NotPanics(t, func() { err = c.Call(t) }) {
				return
			}
			if c.Want == nil {
				assert.NoError(t, err)
				return
			}
			if !assert.Error(t, err) {
				return
			}
			if !errors.Is(err, c.Want) {
				t.Errorf("error %q does not match %q", err, c.Want)
			}
			if !prefixtest.AtMostOnePrefix(err.Error()) {
				t.Errorf("error %q holds a package prefix after its start", err)
			}
			if c.Names != "" {
				assert.ErrorContains(t, err, c.Names, "the error names what was wrong")
			}
		})
	}
}

// Err returns the first error seq yields, nil when it yields none.
func Err[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}
