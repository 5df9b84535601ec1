package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/retry"
)

var errBoom = errors.New("boom")

// failing returns an attempt that fails until call number ok (never when
// ok is 0), and the calls it got.
func failing(ok int) (func(n int) error, *[]int) {
	var calls []int
	return func(n int) error {
		calls = append(calls, n)
		if n == ok {
			return nil
		}
		return errBoom
	}, &calls
}

func TestDo(t *testing.T) {
	quick := retry.New(time.Nanosecond, time.Nanosecond, 3)
	cases := []struct {
		name    string
		b       retry.Backoff
		ok      int
		want    retry.Result
		failed  []int
		attempt []int
	}{
		{"first attempt", quick, 1, retry.Result{Outcome: retry.Handled, Attempts: 1}, nil, []int{1}},
		{"third attempt", quick, 3, retry.Result{Outcome: retry.Handled, Attempts: 3}, []int{1, 2}, []int{1, 2, 3}},
		{"every attempt fails", quick, 0, retry.Result{Outcome: retry.Failed, Attempts: 3, Err: errBoom}, []int{1, 2, 3}, []int{1, 2, 3}},
		{"zero value makes one attempt", retry.Backoff{}, 0, retry.Result{Outcome: retry.Failed, Attempts: 1, Err: errBoom}, []int{1}, []int{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attempt, calls := failing(c.ok)
			var failed []int
			got := c.b.Do(context.Background(), nil, attempt, func(n int, err error) {
				assert.ErrorIs(t, err, errBoom)
				failed = append(failed, n)
			})
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.failed, failed, "failed attempts reported")
			assert.Equal(t, c.attempt, *calls, "attempts made")
		})
	}
}

func TestRetryGoesOnFromAFirstAttemptMadeElsewhere(t *testing.T) {
	b := retry.New(time.Nanosecond, time.Nanosecond, 3)
	attempt, calls := failing(2)
	var failed []error
	got := b.Retry(context.Background(), nil, errBoom, attempt, func(_ int, err error) { failed = append(failed, err) })
	assert.Equal(t, retry.Result{Outcome: retry.Handled, Attempts: 2}, got)
	assert.Equal(t, []int{2}, *calls)
	assert.Equal(t, []error{errBoom}, failed, "the first failure is reported")
}

func TestAbortEndsTheAttempts(t *testing.T) {
	b := retry.New(time.Nanosecond, time.Nanosecond, 5)
	final := errors.New("the model is gone")
	reported := 0
	got := b.Do(context.Background(), nil, func(n int) error {
		if n == 2 {
			return retry.Abort(final)
		}
		return errBoom
	}, func(int, error) { reported++ })
	assert.Equal(t, retry.Result{Outcome: retry.Aborted, Attempts: 2, Err: final}, got)
	assert.Equal(t, 1, reported, "an aborted attempt is not reported as failed")
}

// TestStopEndsTheWait checks that a stop signal or the end of the context
// ends a wait of an hour, and that a failed attempt after either is the
// last.
func TestStopEndsTheWait(t *testing.T) {
	slow := retry.New(time.Hour, time.Hour, 3)
	t.Run("stop closed while waiting", func(t *testing.T) {
		stop := make(chan struct{})
		attempt, calls := failing(0)
		got := slow.Do(context.Background(), stop, attempt, func(int, error) {
			go close(stop) // comes while Do waits, or before
		})
		assert.Equal(t, retry.Result{Outcome: retry.Stopped, Attempts: 1, Err: errBoom}, got)
		assert.Equal(t, []int{1}, *calls)
	})
	t.Run("context ended while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		attempt, _ := failing(0)
		got := slow.Do(ctx, nil, attempt, func(int, error) { go cancel() })
		assert.Equal(t, retry.Stopped, got.Outcome)
	})
	t.Run("attempt failed after stop", func(t *testing.T) {
		stop := make(chan struct{})
		b := retry.New(time.Nanosecond, time.Nanosecond, 3)
		got := b.Do(context.Background(), stop, func(int) error {
			close(stop)
			return errBoom
		}, func(int, error) {})
		assert.Equal(t, retry.Result{Outcome: retry.Stopped, Attempts: 1, Err: errBoom}, got)
	})
	t.Run("last attempt failed after stop", func(t *testing.T) {
		stop := make(chan struct{})
		b := retry.New(time.Nanosecond, time.Nanosecond, 2)
		got := b.Do(context.Background(), stop, func(n int) error {
			if n == 2 {
				close(stop)
			}
			return errBoom
		}, func(int, error) {})
		assert.Equal(t, retry.Result{Outcome: retry.Stopped, Attempts: 2, Err: errBoom}, got)
	})
}
