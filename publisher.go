package herald

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/herald-go/herald/internal/option"
)

// Publisher publishes events: it stamps each one (id, type, timestamp, user,
// causation, correlation, authorization), checks it, appends it to its store
// and hands the stored events to its bus. It is safe for concurrent use.
//
// Publish and PublishBatch publish at once. PublishAfterCommit and
// PublishBatchAfterCommit publish when the transaction in the context
// commits ([Tx]), and not at all when it rolls back.
type Publisher struct {
	store    Store
	bus      Bus
	outbox   outboxStore                // the store's, when it is one and there is a bus
	txStore  inTxStore                  // the store's, when it is one
	busState interface{ Closed() bool } // the bus's, when it reports it
	registry *Registry
	// now is the clock of WithClock; nil means the time in the ids the
	// publisher makes, or time.Now for events that bring their own id.
	now    func() time.Time
	logger *slog.Logger
	ids    idSource
	owned  ownedBlocks
	single sync.Pool // of *[1]Event, for Publish

	gate gate // the publishes under way, for Close
}

// PublisherOption configures a Publisher built by NewPublisher.
type PublisherOption func(*publisherConfig) error

type publisherConfig struct {
	registry *Registry
	now      func() time.Time
	logger   *slog.Logger
}

// WithRegistry checks published events against r's definitions and takes
// their default authorization from it. It is the one place to give the
// registry: a store that keeps one ([github.com/herald-go/herald/driver.RegistryStore])
// and has none gets r too, and projections, flows and push servers over
// the store use it. Without it the publisher uses its store's registry.
func WithRegistry(r *Registry) PublisherOption {
	return func(c *publisherConfig) error { c.registry = r; return nil }
}

// WithClock sets the clock that stamps timestamps. Without it an event
// whose id the publisher makes is stamped with the time in that id, to the
// millisecond (which is what wolkenkit's timestamps hold), and one that
// brings its own id with time.Now. A nil clock is an error.
func WithClock(now func() time.Time) PublisherOption {
	return func(c *publisherConfig) error {
		if now == nil {
			return option.Invalid("WithClock(nil)", "the clock is nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger logs what the publisher cannot return to a caller, such as a
// failed snapshot. A nil logger (the default) is silent.
func WithLogger(l *slog.Logger) PublisherOption {
	return func(c *publisherConfig) error { c.logger = l; return nil }
}

// NewPublisher returns a publisher that appends to store and delivers to bus.
// A nil bus stores events without delivering them; a nil store, or an
// invalid option value, is an error matching ErrInvalid.
func NewPublisher(store Store, bus Bus, options ...PublisherOption) (*Publisher, error) {
	if store == nil {
		return nil, errorf("new publisher: the store is nil: %w", ErrInvalid)
	}
	var c publisherConfig
	if err := option.Apply(&c, options, "herald", "new publisher", ErrInvalid); err != nil {
		return nil, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if rs, ok := store.(registryStore); ok {
		// The registry is given once: to the publisher, which hands it to
		// its store, or to the store, whose registry the publisher takes.
		if c.registry != nil {
			rs.UseRegistry(c.registry)
		} else {
			c.registry = rs.Registry()
		}
	}
	p := &Publisher{store: store, bus: bus, registry: c.registry, now: c.now, logger: c.logger, gate: newGate()}
	p.single.New = func() any { return new([1]Event) }
	if o, ok := store.(outboxStore); ok && bus != nil {
		p.outbox = o
	}
	p.txStore, _ = store.(inTxStore)
	p.busState, _ = bus.(interface{ Closed() bool })
	return p, nil
}

// Store returns the publisher's store.
func (p *Publisher) Store() Store { return p.store }

// Registry returns the publisher's registry, nil when it has none.
func (p *Publisher) Registry() *Registry { return p.registry }

// Publish stamps, checks, stores and delivers one event, and returns it as
// stored. When the store fails nothing is delivered. When the bus fails the
// event is stored but not delivered, and the error says so.
func (p *Publisher) Publish(ctx context.Context, e Event) (Event, error) {
	buf := p.single.Get().(*[1]Event)
	defer p.single.Put(buf)
	buf[0] = e
	err := p.publish(ctx, buf[:])
	stored := buf[0]
	buf[0] = Event{}
	if err != nil {
		return Event{}, err
	}
	return stored, nil
}

// PublishBatch stamps, checks, stores and delivers events atomically: all
// are stored or none are. It returns the events as stored, in order; events
// itself is not changed.
func (p *Publisher) PublishBatch(ctx context.Context, events []Event) ([]Event, error) {
	batch := append([]Event(nil), events...)
	if err := p.publish(ctx, batch); err != nil {
		return nil, err
	}
	return batch, nil
}

// PublishAfterCommit stamps and checks e now and stores and delivers it when
// the transaction in ctx commits. Without a transaction it returns
// ErrNoTransaction; a bad event is an error now, and nothing is attached.
//
// When the store is a [github.com/herald-go/herald/driver.TxStore] and ctx
// carries a transaction it writes in (such as a bbolt transaction of a
// boltstore's file), the event is appended inside that transaction now, so
// it commits or rolls back with it, and is delivered once it commits; with
// an [github.com/herald-go/herald/driver.Outbox] store it is also recorded
// as undelivered in the transaction, so a crash after the commit and
// before the delivery does not lose it ([Publisher.Redeliver]). Otherwise the
// event is stored and delivered by a hook on ctx's Tx.
func (p *Publisher) PublishAfterCommit(ctx context.Context, e Event) error {
	return p.PublishBatchAfterCommit(ctx, []Event{e})
}

// PublishBatchAfterCommit is PublishAfterCommit for a batch, which is stored
// atomically when the transaction commits.
func (p *Publisher) PublishBatchAfterCommit(ctx context.Context, events []Event) error {
	if ctx == nil {
		return nilContext("publish after commit")
	}
	if _, ok := txFrom(ctx); !ok && p.txStore == nil {
		return errorf("publish after commit: %w", ErrNoTransaction)
	}
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	batch := append([]Event(nil), events...)
	s := p.newStamp(ctx)
	if err := p.prepare(&s, batch); err != nil {
		return err
	}
	attached, _, err := p.attach(ctx, batch)
	if err == nil && !attached {
		return errorf("publish after commit: %w", ErrNoTransaction)
	}
	return err
}

// attach publishes batch, stamped and checked, with the transaction ctx
// carries: it appends it inside the transaction when the store writes in
// it (appended), else registers a hook that stores and delivers it when
// ctx's Tx commits. attached is false, and nothing happens, when ctx
// carries no transaction.
func (p *Publisher) attach(ctx context.Context, batch []Event) (attached, appended bool, err error) {
	if len(batch) == 0 {
		_, ok := txFrom(ctx)
		return ok, false, nil
	}
	if p.txStore != nil {
		if err := p.busOpen(); err != nil {
			return true, false, err
		}
		appendInTx := p.txStore.AppendInCallerTx
		if p.outbox != nil {
			appendInTx = p.txStore.AppendUndeliveredInCallerTx
		}
		appended, err := appendInTx(ctx, batch, p.afterCommit(ctx, batch))
		if err != nil || appended {
			return true, appended, err
		}
	}
	tx, ok := txFrom(ctx)
	if !ok {
		return false, false, nil
	}
	err = tx.OnCommit(func(ctx context.Context) error {
		if err := p.enter(); err != nil {
			return err
		}
		defer p.leave()
		return p.deliverStored(ctx, batch)
	})
	if err != nil {
		return true, false, errorf("publish after commit: %w", err)
	}
	return true, false, nil
}

// saveAggregate publishes batch, the new events of one aggregate, as the
// aggregate's owned by owner: with the transaction ctx carries, else now.
// It stamps and checks batch in place, and reports whether the events
// were made: stored (or found stored already), or attached to the
// transaction; and whether they wait for its commit to be stored.
func (p *Publisher) saveAggregate(ctx context.Context, batch []Event, owner string) (made, later bool, err error) {
	if err := p.enter(); err != nil {
		return false, false, err
	}
	defer p.leave()
	s := p.newStamp(ctx)
	s.aggregate, s.owner = true, owner
	if err := p.prepare(&s, batch); err != nil {
		return false, false, err
	}
	attached, appended, err := p.attach(ctx, batch)
	if attached {
		return err == nil, err == nil && !appended, err
	}
	err = p.deliverStored(ctx, batch)
	return batch[0].Metadata.Position != 0, false, err
}

// Close stops the publisher: calls after it return ErrClosed. It waits for
// publishes in progress to finish, or for ctx to end. It closes neither the
// store nor the bus.
func (p *Publisher) Close(ctx context.Context) error {
	if ctx == nil {
		return nilContext("close publisher")
	}
	select {
	case <-p.gate.close():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// enter counts a publish in, or returns ErrClosed once Close was called.
func (p *Publisher) enter() error {
	if !p.gate.enter() {
		return errorf("publisher: %w", ErrClosed)
	}
	return nil
}

// leave counts a publish out.
func (p *Publisher) leave() { p.gate.leave() }

func (p *Publisher) publish(ctx context.Context, batch []Event) error {
	if ctx == nil {
		return nilContext("publish")
	}
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	s := p.newStamp(ctx)
	if err := p.prepare(&s, batch); err != nil {
		return err
	}
	return p.deliverStored(ctx, batch)
}

// prepare stamps batch in place with s and checks it.
func (p *Publisher) prepare(s *stamp, batch []Event) error {
	var errs []error
	for i := range batch {
		e := &batch[i]
		def := p.registry.lookup(e)
		s.apply(e, def)
		if err := checkEnvelope(e); err != nil {
			errs = append(errs, err)
		} else if err := p.registry.checkDefined(e, def); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errorf("publish: %w", errors.Join(errs...))
	}
	return nil
}

// afterCommit returns what delivers batch once the transaction it was
// appended in commits. It runs inside the transaction's commit, where
// there is no one to return an error to: failures are logged, and the
// events stay in the outbox, if there is one, for Redeliver.
func (p *Publisher) afterCommit(ctx context.Context, batch []Event) func() {
	if p.bus == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	return func() {
		if err := p.enter(); err != nil {
			p.logger.Warn("herald: events committed after the publisher closed are not delivered",
				"first", batch[0].Metadata.Position, "last", batch[len(batch)-1].Metadata.Position)
			return
		}
		defer p.leave()
		if err := p.bus.Publish(ctx, batch); err != nil {
			p.logger.Error("herald: events committed but not delivered",
				"first", batch[0].Metadata.Position, "last", batch[len(batch)-1].Metadata.Position, "err", err)
			return
		}
		p.markDelivered(ctx, batch)
	}
}

// busOpen returns an error matching ErrClosed when the bus says it is
// closed.
func (p *Publisher) busOpen() error {
	if p.busState != nil && p.busState.Closed() {
		return errorf("publish: bus: %w", ErrClosed)
	}
	return nil
}

// deliverStored appends batch to the store and hands it to the bus. It
// refuses before storing when the bus says it is closed. With an outbox the
// batch is stored as undelivered and marked delivered once the bus has it.
func (p *Publisher) deliverStored(ctx context.Context, batch []Event) error {
	if len(batch) == 0 {
		return nil
	}
	if err := p.busOpen(); err != nil {
		return err
	}
	var err error
	if p.outbox != nil {
		err = p.outbox.AppendUndelivered(ctx, batch)
	} else {
		err = p.store.Append(ctx, batch)
	}
	if err != nil {
		return err
	}
	if p.bus == nil {
		return nil
	}
	if err := p.bus.Publish(ctx, batch); err != nil {
		return errorf("publish: events stored up to position %d but not delivered: %w",
			batch[len(batch)-1].Metadata.Position, err)
	}
	p.markDelivered(ctx, batch)
	return nil
}

// markDelivered tells the outbox that the bus has batch. A failure only
// means the events may be delivered again: it is logged, not returned.
func (p *Publisher) markDelivered(ctx context.Context, batch []Event) {
	if p.outbox == nil {
		return
	}
	if err := p.outbox.MarkDelivered(context.WithoutCancel(ctx), batch); err != nil {
		p.logger.Warn("herald: delivered events not marked delivered; they may be delivered again",
			"first", batch[0].Metadata.Position, "last", batch[len(batch)-1].Metadata.Position, "err", err)
	}
}

// redeliverBatch is how many undelivered events Redeliver hands to the bus
// at once.
const redeliverBatch = 256

// Redeliver hands to the bus the events that the store's outbox holds as
// not yet delivered, and marks them delivered: those an earlier run stored
// but did not deliver before it crashed, and those whose delivery failed.
// It returns how many it delivered, in position order; with a registry,
// their data is decoded into its Go type first. Call it once at
// start, after subscribing and before publishing: an event that is being
// published while Redeliver runs may be delivered twice. A publisher
// without a bus, or whose store is not an
// [github.com/herald-go/herald/driver.Outbox], has nothing to redeliver.
func (p *Publisher) Redeliver(ctx context.Context) (int, error) {
	if ctx == nil {
		return 0, nilContext("redeliver")
	}
	if p.outbox == nil {
		return 0, nil
	}
	if err := p.enter(); err != nil {
		return 0, err
	}
	defer p.leave()
	n := 0
	batch := make([]Event, 0, redeliverBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := p.bus.Publish(ctx, batch); err != nil {
			return errorf("redeliver: %w", err)
		}
		if err := p.outbox.MarkDelivered(ctx, batch); err != nil {
			return errorf("redeliver: %w", err)
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	for e, err := range p.outbox.Undelivered(ctx) {
		if err != nil {
			return n, errorf("redeliver: %w", err)
		}
		// Handlers get the data in its Go type, as they do from Publish;
		// data that does not decode is handed on as it was stored.
		if err := p.registry.Decode(&e); err != nil {
			p.logger.Warn("herald: redeliver: data kept as stored", "position", e.Metadata.Position, "err", err)
		}
		if batch = append(batch, e); len(batch) == redeliverBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}
