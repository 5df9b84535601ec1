package durable

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/match"
)

// consumer is a durable subscription as the engine drives it: it hands
// each event to the handler and saves the checkpoint after each batch.
type consumer struct {
	name        string
	filter      *match.Filter
	handler     herald.Handler
	checkpoints driver.CheckpointStore
	registry    *herald.Registry     // the store's, which upcasts old events
	causes      driver.CauseContexts // only the engine's goroutine uses it
}

func (c *consumer) Start(ctx context.Context) (uint64, bool, error) {
	pos, err := c.checkpoints.LoadCheckpoint(ctx, c.name)
	if err != nil {
		return 0, false, prefix.Errorf("durable", "%q: load checkpoint: %w", c.name, err)
	}
	return pos, false, nil
}

func (c *consumer) Wants(e *herald.Event) bool { return c.filter.Match(e) }

func (c *consumer) Reset(context.Context) error {
	return prefix.Errorf("durable", "%q: a durable subscription does not rebuild: %w", c.name, herald.ErrInvalid)
}

func (c *consumer) Apply(ctx context.Context, events []herald.Event, upTo uint64) (int, error) {
	if len(events) > 0 {
		ctx = driver.ContextWithConsumer(ctx, c.name)
	}
	for i := range events {
		e := &events[i]
		err := c.registry.Upcast(e) // a failure is the handler's
		if err == nil {
			err = driver.SafeHandle(c.causes.For(ctx, e), c.handler, *e)
		}
		if err != nil {
			if i > 0 {
				if err := c.save(ctx, events[i-1].Metadata.Position); err != nil {
					return i, err
				}
			}
			return i, &engine.HandlerError{Index: i, Err: err}
		}
	}
	if upTo == 0 { // a dead letter replayed: the checkpoint stays
		return len(events), nil
	}
	return len(events), c.save(ctx, upTo)
}

func (c *consumer) save(ctx context.Context, pos uint64) error {
	if err := c.checkpoints.SaveCheckpoint(context.WithoutCancel(ctx), c.name, pos); err != nil {
		return prefix.Errorf("durable", "%q: save checkpoint: %w", c.name, err)
	}
	return nil
}
