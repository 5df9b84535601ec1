package webhook

import (
	"context"
	"log/slog"
	"time"

	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/match"
)

// runner is one subscription in the dispatcher: what it delivers, the
// engine that reads the log for it, and how its deliveries go. The
// dispatcher's mutex guards sub, cancel, done, runErr and the state.
type runner struct {
	sub    Subscription
	id     string
	filter match.Filter // fixed for the runner's life, read by Wants
	url    string
	eng    *engine.Engine

	cancel context.CancelFunc // nil when it does not run
	done   chan struct{}      // closed when its run ends
	runErr error              // why its last run ended on its own
	state  deliveryState
}

// deliveryState is how the deliveries of a subscription go.
type deliveryState struct {
	delivered, failed uint64
	failingSince      time.Time
	nextAttempt       time.Time
	lastAttempt       time.Time
	lastStatus        int
	lastError         string
}

// start runs r under ctx unless it is paused, runs already or ended on an
// error. The caller holds d.mu.
func (d *Dispatcher) start(ctx context.Context, r *runner) {
	if r.sub.Paused || r.cancel != nil || r.runErr != nil {
		return
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		err := r.eng.Run(rctx)
		d.mu.Lock()
		if r.done == done { // not a run that a newer one replaced
			r.cancel = nil
			if err != nil && rctx.Err() == nil {
				r.runErr = err
			}
		}
		d.mu.Unlock()
		cancel()
		if err != nil {
			d.cfg.logger.LogAttrs(ctx, slog.LevelError, "webhook: subscription stopped",
				slog.String("subscription", r.id), slog.Any("error", err))
		}
		d.wake() // a resume while it stopped is started now
	}()
}

// stop ends r's run and waits for it.
func (d *Dispatcher) stop(r *runner) {
	d.mu.Lock()
	cancel, done := r.cancel, r.done
	d.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// succeeded records a delivery that the receiver acknowledged.
func (d *Dispatcher) succeeded(r *runner, status int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &r.state
	s.delivered++
	s.lastStatus, s.lastError, s.lastAttempt = status, "", time.Now()
	s.failingSince, s.nextAttempt = time.Time{}, time.Time{}
}

// failedAttempt records an attempt that failed, and when the next one is
// (zero for none). It returns since when the attempts fail.
func (d *Dispatcher) failedAttempt(r *runner, err *DeliveryError, next time.Time) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := &r.state
	now := time.Now()
	s.failed++
	s.lastStatus, s.lastError, s.lastAttempt, s.nextAttempt = err.Status, err.Error(), now, next
	if s.failingSince.IsZero() {
		s.failingSince = now
	}
	return s.failingSince
}
