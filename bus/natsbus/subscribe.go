package natsbus

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/match"
	"github.com/nats-io/nats.go/jetstream"
)

// subscription is one herald.Subscription of this process.
type subscription struct {
	name    string
	filter  match.Filter
	handler herald.Handler
	events  []string
	sync    bool
	base    context.Context // the bus's, with the consumer's name

	stopping chan struct{} // closed by stop
	stopOnce sync.Once
	done     chan struct{} // closed when every worker has ended
	running  atomic.Int32

	workers []*worker   // async
	syncer  *syncWorker // Sync

	lastMu    sync.Mutex
	lastErr   error
	lastErrAt time.Time
}

// stop ends intake: workers drain what their consumers hold, and retries
// stop.
func (s *subscription) stop() {
	s.stopOnce.Do(func() {
		close(s.stopping)
		if s.syncer != nil {
			s.syncer.stop()
		}
	})
}

// noteError remembers err as the last error.
func (s *subscription) noteError(err error) {
	s.lastMu.Lock()
	s.lastErr, s.lastErrAt = err, time.Now()
	s.lastMu.Unlock()
}

// Subscribe adds s. Its name must be a valid consumer name (no whitespace,
// ".", "*", ">", "/" or "\", at most 200 bytes) not taken in this process,
// its Handler non-nil, its Events valid name patterns and its Pattern, if
// any, a valid pattern; otherwise the error matches herald.ErrInvalid,
// names what is wrong, and nothing changes. An async subscription is a
// durable consumer per worker, named after s.Name, created when missing
// (receiving the events published from then on) and shared with every
// process that subscribes under that name; a Sync one is this process's
// own (see the package doc). After Close, Subscribe returns an error
// matching herald.ErrClosed.
func (b *Bus) Subscribe(s herald.Subscription) error {
	sub, err := b.compile(s)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return fmt.Errorf("natsbus: subscribe %q: %w", s.Name, herald.ErrClosed)
	}
	if b.find(s.Name) >= 0 {
		return fmt.Errorf("natsbus: subscribe %q: the name is taken: %w", s.Name, herald.ErrInvalid)
	}
	ctx, cancel := context.WithTimeout(b.base, time.Minute)
	defer cancel()
	if sub.sync {
		if err := b.startSync(ctx, sub); err != nil {
			return fmt.Errorf("natsbus: subscribe %q: %w", s.Name, err)
		}
	} else if err := b.startWorkers(ctx, sub); err != nil {
		return fmt.Errorf("natsbus: subscribe %q: %w", s.Name, err)
	}
	b.subs = append(slices.Clone(b.subs), sub)
	return nil
}

// compile checks s and builds its subscription.
func (b *Bus) compile(s herald.Subscription) (*subscription, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("natsbus: subscribe: the name is empty: %w", herald.ErrInvalid)
	}
	if err := checkName(s.Name); err != nil {
		return nil, fmt.Errorf("natsbus: subscribe %q: the name is no consumer name: %v: %w", s.Name, err, herald.ErrInvalid)
	}
	if isNil(s.Handler) {
		return nil, fmt.Errorf("natsbus: subscribe %q: the handler is nil: %w", s.Name, herald.ErrInvalid)
	}
	f, err := match.NewFilter(s.Events, s.Pattern)
	if err != nil {
		return nil, fmt.Errorf("natsbus: subscribe %q: %w", s.Name, err)
	}
	for _, p := range s.Events {
		if err := checkPattern(p); err != nil {
			return nil, fmt.Errorf("natsbus: subscribe %q: events %q: %v: %w", s.Name, p, err, herald.ErrInvalid)
		}
	}
	sub := &subscription{
		name: s.Name, filter: f, handler: s.Handler, sync: s.Sync, events: slices.Clone(s.Events),
		stopping: make(chan struct{}), done: make(chan struct{}),
	}
	sub.base = driver.ContextWithConsumer(b.base, s.Name)
	return sub, nil
}

// checkPattern reports why a name pattern cannot be part of a subject
// filter.
func checkPattern(p string) error {
	for _, tok := range strings.Split(p, ".") {
		if tok == "*" {
			continue
		}
		if err := checkName(tok); err != nil {
			return err
		}
	}
	return nil
}

// isNil reports whether h is nil or a nil HandlerFunc.
func isNil(h herald.Handler) bool {
	f, ok := h.(herald.HandlerFunc)
	return h == nil || (ok && f == nil)
}

// consumerName is the durable consumer of worker i of n.
func consumerName(name string, i, n int) string {
	if n == 1 {
		return name
	}
	return name + "_" + strconv.Itoa(i) + "of" + strconv.Itoa(n)
}

// filterSubjects are the subjects the consumer of worker i of n takes:
// its partitions (those p with p % n == i) of the names s selects. Several
// name patterns, which may overlap, take every name, and the filter picks
// among them.
func (b *Bus) filterSubjects(events []string, i, n int) []string {
	names := "*.*.*"
	if len(events) == 1 {
		names = events[0]
	}
	if n == 1 {
		return []string{b.cfg.prefix + "." + names + ".*"}
	}
	var out []string
	for p := i; p < b.cfg.partitions; p += n {
		out = append(out, b.cfg.prefix+"."+names+"."+strconv.Itoa(p))
	}
	return out
}

// startWorkers creates or updates the subscription's consumers and starts
// a worker on each.
func (b *Bus) startWorkers(ctx context.Context, s *subscription) error {
	n := b.cfg.workers
	workers := make([]*worker, n)
	for i := range workers {
		name := consumerName(s.name, i, n)
		c, err := b.js.CreateOrUpdateConsumer(ctx, b.cfg.stream, jetstream.ConsumerConfig{
			Durable:        name,
			Description:    "herald subscription " + s.name,
			DeliverPolicy:  jetstream.DeliverNewPolicy,
			AckPolicy:      jetstream.AckExplicitPolicy,
			AckWait:        b.cfg.ackWait,
			MaxDeliver:     -1,
			MaxAckPending:  1, // one event at a time: the order of its partitions
			FilterSubjects: b.filterSubjects(s.events, i, n),
			Metadata:       map[string]string{"herald.workers": strconv.Itoa(n)},
		})
		if err != nil {
			return fmt.Errorf("create consumer %s: %w", name, err)
		}
		workers[i] = &worker{bus: b, sub: s, consumer: c, name: name}
	}
	s.workers = workers
	s.running.Store(int32(n))
	for _, w := range workers {
		b.workers.Add(1)
		go w.run()
	}
	return nil
}

// Unsubscribe removes the named subscription from this process: its
// workers stop taking new events, retries stop, and Unsubscribe waits
// until they have handled what their consumers hold (each event one
// attempt). The durable consumers stay for the other processes and the
// next Subscribe; DeleteConsumers removes them. If ctx ends first, it
// returns an error wrapping ctx.Err(); the subscription is removed all the
// same and its workers go on in the background. An unknown name is an
// error matching herald.ErrNotFound; after Close, herald.ErrClosed; an
// empty name or a nil ctx, herald.ErrInvalid.
func (b *Bus) Unsubscribe(ctx context.Context, name string) error {
	switch {
	case ctx == nil:
		return fmt.Errorf("natsbus: unsubscribe %q: the context is nil: %w", name, herald.ErrInvalid)
	case name == "":
		return fmt.Errorf("natsbus: unsubscribe: the name is empty: %w", herald.ErrInvalid)
	}
	sub, err := b.remove(name)
	if err != nil {
		return err
	}
	sub.stop()
	select {
	case <-sub.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("natsbus: unsubscribe %q: %w", name, ctx.Err())
	}
}

// DeleteConsumers deletes the durable consumers of the named async
// subscription from the server, for every process: what they had not
// delivered is not delivered. The subscription must not be subscribed in
// this process. A consumer that does not exist is skipped.
func (b *Bus) DeleteConsumers(ctx context.Context, name string) error {
	if ctx == nil {
		return fmt.Errorf("natsbus: delete consumers %q: the context is nil: %w", name, herald.ErrInvalid)
	}
	b.mu.Lock()
	taken := b.find(name) >= 0
	b.mu.Unlock()
	if taken {
		return fmt.Errorf("natsbus: delete consumers %q: it is subscribed: %w", name, herald.ErrInvalid)
	}
	n := b.cfg.workers
	for i := range n {
		err := b.js.DeleteConsumer(ctx, b.cfg.stream, consumerName(name, i, n))
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("natsbus: delete consumers %q: %w", name, err)
		}
	}
	return nil
}

// remove takes the named subscription out of the list.
func (b *Bus) remove(name string) (*subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed.Load() {
		return nil, fmt.Errorf("natsbus: unsubscribe %q: %w", name, herald.ErrClosed)
	}
	i := b.find(name)
	if i < 0 {
		return nil, fmt.Errorf("natsbus: unsubscribe %q: %w", name, herald.ErrNotFound)
	}
	sub := b.subs[i]
	b.subs = slices.Delete(slices.Clone(b.subs), i, i+1)
	return sub, nil
}

// find returns the index of the named subscription, or -1. b.mu is held.
func (b *Bus) find(name string) int {
	return slices.IndexFunc(b.subs, func(s *subscription) bool { return s.name == name })
}
