package membus

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
)

// Status describes the bus's subscriptions in the order they were added:
// name, filter, state (Live, or Stopped once the bus is closed), workers,
// the counts of events delivered, failed handler
// calls, retries, events dead-lettered, pending (queued or in flight) and in
// flight (in a handler call or waiting to be retried; a handler that never
// returns shows here), and the last error with its time. Counters are read atomically one by one, so they may
// be a moment apart. After Close it describes the subscriptions the bus
// had. A nil ctx is an error matching [herald.ErrInvalid].
func (b *Bus) Status(ctx context.Context) ([]engine.Status, error) {
	if ctx == nil {
		return nil, errorf("status: the context is nil: %w", herald.ErrInvalid)
	}
	state := engine.Live
	if b.closed.Load() {
		state = engine.Stopped
	}
	subs := *b.subs.Load()
	infos := make([]engine.Status, len(subs))
	for i, s := range subs {
		info := engine.Status{
			Name:    s.name,
			State:   state,
			Events:  s.filter.Events(),
			Pattern: s.filter.Pattern(),
			Sync:    s.sync,
			Workers: len(s.lanes),
		}
		if s.sync {
			addCounts(&info, &s.syncCounts, nil)
		}
		for _, l := range s.lanes {
			addCounts(&info, &l.counters, l)
		}
		s.lastMu.Lock()
		info.LastError, info.LastErrorAt = s.lastErr, s.lastErrAt
		s.lastMu.Unlock()
		infos[i] = info
	}
	return infos, nil
}

// addCounts adds what c counted to info. It reads the finished events
// first, so that the begun and accepted ones, read later, are never fewer.
func addCounts(info *engine.Status, c *counters, l *lane) {
	delivered, deadLettered := c.delivered.Load(), c.deadLettered.Load()
	finished := delivered + deadLettered
	failed, retried := c.failed.Load(), c.retried.Load()
	begun := c.begun.Load()
	accepted := begun
	if l != nil {
		accepted = l.accepted.Load()
	}
	info.Delivered += delivered
	info.DeadLettered += deadLettered
	info.Failed += failed
	info.Retried += retried
	info.InFlight += begun - finished
	info.Pending += accepted - finished
}
