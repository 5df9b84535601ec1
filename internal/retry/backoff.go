package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Backoff is the waits between the attempts at a call, as a resolved
// herald.RetryPolicy describes them: doubling from an initial interval up
// to a maximum, each randomised by ±50%, for a number of attempts in all.
// It keeps where the waits stand, so one goroutine uses it at a time, and
// copies made after it waited share that state: copy one that never
// waited, as a template, to give each goroutine or event its own. The
// zero value makes one attempt and never waits.
type Backoff struct {
	initial, max time.Duration
	attempts     int
	waits        *backoff.ExponentialBackOff // made at the first wait
}

// New returns the Backoff of a resolved policy: initial is its
// InitialInterval, max its MaxInterval and attempts its MaxAttempts (below
// 1 counts as 1).
func New(initial, max time.Duration, attempts int) Backoff {
	return Backoff{initial: initial, max: max, attempts: attempts}
}

// Wait waits before retry number n, 1 for the first: the waits start over
// at 1 and grow from one call to the next after it. It returns false at
// once when stop is closed or ctx is done, and as soon as either happens
// while it waits; true when the wait is over. A nil stop never closes.
func (b *Backoff) Wait(ctx context.Context, stop <-chan struct{}, n int) bool {
	if stopped(ctx, stop) {
		return false
	}
	if b.waits == nil {
		b.waits = backoff.NewExponentialBackOff(
			backoff.WithInitialInterval(b.initial),
			backoff.WithMaxInterval(b.max),
			backoff.WithMultiplier(2),
			backoff.WithRandomizationFactor(0.5),
			backoff.WithMaxElapsedTime(0)) // the attempts end the waits
	}
	if n == 1 {
		b.waits.Reset()
	}
	t := time.NewTimer(b.waits.NextBackOff())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// stopped reports whether stop is closed or ctx is done.
func stopped(ctx context.Context, stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}
