package natsbus

import (
	"context"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
)

// Status describes this process's subscriptions in the order they were
// added: name, filter, state (Live, or Stopped once the bus is closed),
// workers, and the counts of events delivered, failed handler calls,
// retries and events dead-lettered by this process, with its last error;
// Pending is what the subscription's consumers have not had acknowledged
// yet, by any process (asked of the server), and InFlight what this
// process's workers are handling or waiting to retry. A consumer the
// server cannot describe is an error. A nil ctx is an error matching
// herald.ErrInvalid.
func (b *Bus) Status(ctx context.Context) ([]engine.Status, error) {
	if ctx == nil {
		return nil, fmt.Errorf("natsbus: status: the context is nil: %w", herald.ErrInvalid)
	}
	state := engine.Live
	if b.closed.Load() {
		state = engine.Stopped
	}
	b.mu.Lock()
	subs := b.subs
	b.mu.Unlock()
	out := make([]engine.Status, len(subs))
	for i, s := range subs {
		st := engine.Status{Name: s.name, State: state, Events: s.filter.Events(), Pattern: s.filter.Pattern(), Sync: s.sync}
		if s.syncer != nil {
			st.Workers = 1
			addCounts(&st, &s.syncer.counters)
		}
		for _, w := range s.workers {
			st.Workers++
			addCounts(&st, &w.counters)
			info, err := w.consumer.Info(ctx)
			if err != nil {
				return nil, fmt.Errorf("natsbus: status: consumer %s: %w", w.name, err)
			}
			st.Pending += info.NumPending + uint64(info.NumAckPending)
		}
		s.lastMu.Lock()
		st.LastError, st.LastErrorAt = s.lastErr, s.lastErrAt
		s.lastMu.Unlock()
		out[i] = st
	}
	return out, nil
}

// addCounts adds what c counted to st.
func addCounts(st *engine.Status, c *counters) {
	delivered, dead := c.delivered.Load(), c.deadLettered.Load()
	st.Delivered += delivered
	st.DeadLettered += dead
	st.Failed += c.failed.Load()
	st.Retried += c.retried.Load()
	st.InFlight += c.begun.Load() - delivered - dead
}
