package retry

import "context"

// Outcome is how the attempts at a call ended.
type Outcome uint8

const (
	// Handled: an attempt succeeded.
	Handled Outcome = iota
	// Failed: every attempt the Backoff allows failed.
	Failed
	// Stopped: the stop signal came, or the context ended, before an
	// attempt succeeded and before the attempts were used up; an attempt
	// that failed while it came counts as stopped too.
	Stopped
	// Aborted: an attempt returned an error made by Abort.
	Aborted
)

// Result is what Do and Retry report: how the attempts ended, how many
// were made, and the last one's error (nil when Handled; for Aborted, the
// error given to Abort).
type Result struct {
	Outcome  Outcome
	Attempts int
	Err      error
}

// Do calls attempt with 1, and while it fails waits as b says
// ([Backoff.Wait]) and calls it again with 2, 3 and so on, until an attempt
// succeeds, b's attempts are used up, stop is closed or ctx ends, or an
// attempt returns an error made by [Abort]. failed is told of every failed
// attempt, an aborted one excepted, before Do goes on. attempt must not
// panic: driver.SafeHandle turns a handler's panic into an error. Neither
// function is kept after Do returns.
func (b *Backoff) Do(ctx context.Context, stop <-chan struct{}, attempt func(n int) error, failed func(n int, err error)) Result {
	err := attempt(1)
	if err == nil {
		return Result{Outcome: Handled, Attempts: 1}
	}
	return b.Retry(ctx, stop, err, attempt, failed)
}

// Retry goes on as Do does after a first attempt, made elsewhere, failed
// with err: it reports err as attempt 1, then waits and calls attempt with
// 2 and so on.
func (b *Backoff) Retry(ctx context.Context, stop <-chan struct{}, err error, attempt func(n int) error, failed func(n int, err error)) Result {
	for n := 1; ; n++ {
		if a, ok := err.(*abortError); ok {
			return Result{Outcome: Aborted, Attempts: n, Err: a.err}
		}
		failed(n, err)
		switch {
		case stopped(ctx, stop):
			return Result{Outcome: Stopped, Attempts: n, Err: err}
		case n >= b.attempts:
			return Result{Outcome: Failed, Attempts: n, Err: err}
		case !b.Wait(ctx, stop, n):
			return Result{Outcome: Stopped, Attempts: n, Err: err}
		}
		if err = attempt(n + 1); err == nil {
			return Result{Outcome: Handled, Attempts: n + 1}
		}
	}
}

// Abort makes err final: an attempt that returns Abort(err) ends Do or
// Retry at once with the outcome Aborted and err, neither reported to
// failed nor retried.
func Abort(err error) error { return &abortError{err} }

type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }
