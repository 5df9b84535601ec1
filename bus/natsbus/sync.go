package natsbus

import (
	"context"
	"fmt"
	"sync"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/nats-io/nats.go/jetstream"
)

// syncWorker serves a Sync subscription: an ordered consumer of this
// process alone over every event of the stream, from the moment it
// subscribed, whose handler Publish waits for.
type syncWorker struct {
	bus  *Bus
	sub  *subscription
	cons jetstream.ConsumeContext

	counters counters

	mu      sync.Mutex
	seq     uint64        // the stream sequence of the last message handled
	changed chan struct{} // closed and replaced when seq moves or it stops
	stopped bool
}

// syncKey marks the context of a Sync handler call of a bus.
type syncKey struct{}

// inSyncHandler reports whether ctx is that of a Sync handler of b: a
// Publish from there does not wait for Sync subscriptions, which may be
// waiting for it.
func inSyncHandler(ctx context.Context, b *Bus) bool {
	v, _ := ctx.Value(syncKey{}).(*Bus)
	return v == b
}

// startSync creates s's ordered consumer and starts taking its events.
func (b *Bus) startSync(ctx context.Context, s *subscription) error {
	// The consumer starts after the last message in the stream now, and
	// counts as having handled everything before it: a Publish acknowledged
	// before Subscribe does not wait for it.
	stream, err := b.js.Stream(ctx, b.cfg.stream)
	if err != nil {
		return fmt.Errorf("look up the stream: %w", err)
	}
	last := stream.CachedInfo().State.LastSeq
	c, err := b.js.OrderedConsumer(ctx, b.cfg.stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{b.cfg.prefix + ".*.*.*.*"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    last + 1,
	})
	if err != nil {
		return fmt.Errorf("create an ordered consumer: %w", err)
	}
	w := &syncWorker{bus: b, sub: s, seq: last, changed: make(chan struct{})}
	s.syncer = w
	s.running.Store(1)
	base := context.WithValue(s.base, syncKey{}, b)
	cc, err := c.Consume(func(m jetstream.Msg) { w.take(base, m) })
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	w.cons = cc
	go func() {
		<-cc.Closed()
		close(s.done)
	}()
	return nil
}

// take handles one message, one attempt, and moves seq past it.
func (w *syncWorker) take(base context.Context, m jetstream.Msg) {
	b, s := w.bus, w.sub
	defer func() {
		if md, err := m.Metadata(); err == nil {
			w.advance(md.Sequence.Stream)
		}
	}()
	if w.isStopped() {
		return
	}
	e, err := b.decode(m.Data())
	if err != nil {
		w.counters.begun.Add(1)
		b.giveUp(s, &w.counters, m, herald.Event{}, 0, err)
		return
	}
	if !s.filter.Match(&e) {
		return
	}
	w.counters.begun.Add(1)
	ctx := herald.ContextWithCause(base, &e)
	if err := driver.SafeHandle(ctx, s.handler, e); err != nil {
		w.counters.failed.Add(1)
		s.noteError(err)
		b.giveUp(s, &w.counters, m, e, 1, err)
		return
	}
	w.counters.delivered.Add(1)
}

// advance records that the messages up to seq are handled.
func (w *syncWorker) advance(seq uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seq > w.seq {
		w.seq = seq
		close(w.changed)
		w.changed = make(chan struct{})
	}
}

func (w *syncWorker) isStopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

// stop ends the consumer; Publish no longer waits for it.
func (w *syncWorker) stop() {
	w.mu.Lock()
	if !w.stopped {
		w.stopped = true
		close(w.changed)
		w.changed = make(chan struct{})
	}
	w.mu.Unlock()
	if w.cons != nil {
		w.cons.Stop()
	}
}

// waitSync waits until every Sync subscription of this process has
// handled the messages up to seq.
func (b *Bus) waitSync(ctx context.Context, seq uint64) error {
	b.mu.Lock()
	subs := b.subs
	b.mu.Unlock()
	for _, s := range subs {
		if s.syncer == nil {
			continue
		}
		if err := s.syncer.wait(ctx, seq); err != nil {
			return fmt.Errorf("natsbus: publish: waiting for %q: %w", s.name, err)
		}
	}
	return nil
}

// wait waits until w has handled the messages up to seq or stopped.
func (w *syncWorker) wait(ctx context.Context, seq uint64) error {
	for {
		w.mu.Lock()
		done, changed := w.seq >= seq || w.stopped, w.changed
		w.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
