package herald

import (
	"context"
	"fmt"

	"github.com/herald-go/herald/internal/hook"
)

// The functions packages driver and match offer are the root's own, lent
// through internal/hook.
func init() {
	hook.CheckEnvelope = checkEnvelope
	hook.SafeHandle = safeHandle
	hook.CauseContexts = func() func(context.Context, *Event) context.Context {
		return new(causeContexts).For
	}
	hook.AppendString = appendEnvelopeString
	hook.AppendLabels = appendEnvelopeLabels
}

// eventFilter is what a durable subscription needs of the *match.Filter
// it filters with.
type eventFilter interface {
	Match(e *Event) bool
	Events() string
	Pattern() string
}

// newFilter compiles a subscription's names and pattern with
// match.NewFilter, which package match lends the root through
// internal/hook as the root cannot import it. Every program that has a
// store or a bus of this module has match; without it, this is an error
// matching ErrInvalid.
func newFilter(events []string, pattern string) (eventFilter, error) {
	compile, ok := hook.NewFilter.(func([]string, string) (any, error))
	if !ok {
		return nil, fmt.Errorf("filtering events needs package github.com/herald-go/herald/match in the program: %w", ErrInvalid)
	}
	f, err := compile(events, pattern)
	if err != nil {
		return nil, err
	}
	return f.(eventFilter), nil
}
