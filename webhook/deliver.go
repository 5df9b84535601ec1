package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix"
)

// errPause is the failure that pauses the subscription: the receiver
// answered 410 Gone (it wants no more deliveries), or the deliveries have
// failed for longer than WithDisableAfter allows.
var errPause = errors.New("paused")

// consumer is a subscription as the engine drives it: it POSTs each
// event, retrying on the dispatcher's schedule, and saves the checkpoint
// after each batch.
type consumer struct {
	d    *Dispatcher
	r    *runner
	name string
}

func (c *consumer) Start(ctx context.Context) (uint64, bool, error) {
	pos, err := c.d.checkpoints.LoadCheckpoint(ctx, c.name)
	if err != nil {
		return 0, false, prefix.Errorf("webhook", "%q: load checkpoint: %w", c.name, err)
	}
	return pos, false, nil
}

func (c *consumer) Wants(e *herald.Event) bool { return c.r.filter.Match(e) }

func (c *consumer) Reset(context.Context) error {
	return prefix.Errorf("webhook", "%q: a subscription does not rebuild: %w", c.name, herald.ErrInvalid)
}

// Apply delivers events in order. upTo 0 is a dead letter replayed: it
// is attempted once, and the checkpoint stays.
func (c *consumer) Apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	replay := upTo == 0
	for i := range events {
		err := c.deliver(ctx, &events[i], replay)
		if err == nil {
			continue
		}
		if i > 0 && !replay {
			if err := c.save(ctx, events[i-1].Metadata.Position); err != nil {
				return i, err
			}
		}
		switch {
		case replay:
			return i, &engine.HandlerError{Index: i, Err: err}
		case errors.Is(err, errPause):
			c.d.disable(ctx, c.r, err.Error())
			return i, err
		case ctx.Err() != nil:
			return i, ctx.Err()
		}
		return i, &engine.HandlerError{Index: i, Err: err}
	}
	if replay {
		return len(events), nil
	}
	return len(events), c.save(ctx, upTo)
}

func (c *consumer) save(ctx context.Context, pos uint64) error {
	if err := c.d.checkpoints.SaveCheckpoint(context.WithoutCancel(ctx), c.name, pos); err != nil {
		return prefix.Errorf("webhook", "%q: save checkpoint: %w", c.name, err)
	}
	return nil
}

// deliver POSTs e until the receiver acknowledges it, waiting between
// attempts as the schedule says (once only when once is true). It
// returns the last attempt's *DeliveryError, an error matching errPause,
// or ctx's error.
func (c *consumer) deliver(ctx context.Context, e *herald.Event, once bool) error {
	body, err := json.Marshal(e)
	if err != nil {
		return &DeliveryError{URL: c.r.url, Attempts: 1, Err: fmt.Errorf("encode the event: %w", err)}
	}
	schedule := c.d.cfg.schedule
	if once {
		schedule = nil
	}
	for attempt := 0; ; attempt++ {
		status, err := c.d.post(ctx, c.r, e, body)
		if err == nil {
			c.d.succeeded(c.r, status)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		err.Attempts = attempt + 1
		if status == http.StatusGone {
			c.d.failedAttempt(c.r, err, time.Time{})
			return fmt.Errorf("the receiver answered 410 Gone: %w: %w", errPause, err)
		}
		last := attempt >= len(schedule)
		var wait time.Duration
		if !last {
			wait = schedule[attempt]
		}
		since := c.d.failedAttempt(c.r, err, zeroIf(last, time.Now().Add(wait)))
		if limit := c.d.cfg.disable; limit > 0 && !once && time.Since(since) >= limit {
			return fmt.Errorf("the deliveries have failed since %s: %w: %w", since.UTC().Format(time.RFC3339), errPause, err)
		}
		if last {
			return err
		}
		c.d.cfg.logger.WarnContext(ctx, "webhook: delivery failed; retrying", "subscription", c.r.id,
			"event", e.ID.String(), "attempt", attempt+1, "wait", wait, "error", err)
		if !sleep(ctx, wait) {
			return ctx.Err()
		}
	}
}

// zeroIf returns the zero time when cond holds, else t.
func zeroIf(cond bool, t time.Time) time.Time {
	if cond {
		return time.Time{}
	}
	return t
}

// sleep waits for d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
