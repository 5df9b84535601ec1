package webhook

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
)

// Dispatcher delivers the events of a store's log to service
// subscriptions by signed POST. Each subscription is a durable consumer
// of the log with a checkpoint and dead letters of its own, kept in the
// store, so deliveries resume after a restart without a loss. It is safe
// for concurrent use; [Dispatcher.Run] runs it.
type Dispatcher struct {
	cfg         config
	store       herald.Store
	subs        driver.SubscriptionStore
	checkpoints driver.CheckpointStore
	letters     driver.DeadLetterStore
	feed        engine.Feed
	client      *http.Client
	transport   *http.Transport

	edit    sync.Mutex // held by change, around the read, save and keep of a subscription
	mu      sync.Mutex
	loaded  bool
	running bool
	runners map[string]*runner
	kick    chan struct{} // wakes Run to start the subscriptions that should run
}

// NewDispatcher returns a dispatcher over store, which must keep
// subscriptions, checkpoints and dead letters (a
// [driver.SubscriptionStore], [driver.CheckpointStore] and
// [driver.DeadLetterStore], as memstore, boltstore and pgstore are). With
// a bus (or [WithFeed]), the subscriptions follow it once caught up;
// without one (nil) they poll the log. A store without those capabilities or an invalid
// option is an error matching [herald.ErrInvalid].
func NewDispatcher(store herald.Store, bus herald.Bus, options ...Option) (*Dispatcher, error) {
	c := config{schedule: DefaultSchedule, timeout: DefaultTimeout, disable: DefaultDisableAfter, batch: DefaultBatchSize}
	if err := option.Apply(&c, options, "webhook", "new dispatcher", herald.ErrInvalid); err != nil {
		return nil, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if store == nil {
		return nil, prefix.Errorf("webhook", "new dispatcher: the store is nil: %w", herald.ErrInvalid)
	}
	subs, ok1 := store.(driver.SubscriptionStore)
	checkpoints, ok2 := store.(driver.CheckpointStore)
	letters, ok3 := store.(driver.DeadLetterStore)
	if !ok1 || !ok2 || !ok3 {
		return nil, prefix.Errorf("webhook", "new dispatcher: %T does not keep subscriptions, checkpoints and dead letters: %w",
			store, herald.ErrInvalid)
	}
	d := &Dispatcher{cfg: c, store: store, subs: subs, checkpoints: checkpoints, letters: letters,
		feed: cmp.Or(c.feed, engine.FromBus(bus)), runners: make(map[string]*runner), kick: make(chan struct{}, 1)}
	d.transport = newTransport(c.denyPrivate)
	d.client = &http.Client{Transport: d.transport, CheckRedirect: refuseRedirect}
	return d, nil
}

// load reads the subscriptions from the store, once.
func (d *Dispatcher) load(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		return nil
	}
	for rec, err := range d.subs.Subscriptions(ctx) {
		if err != nil {
			return prefix.Errorf("webhook", "load subscriptions: %w", err)
		}
		var s Subscription
		if err := json.Unmarshal(rec.Data, &s); err != nil {
			return prefix.Errorf("webhook", "load subscription %q: %w", rec.ID, err)
		}
		c, err := check(s, nil, false)
		if err != nil {
			return prefix.Errorf("webhook", "load subscription %q: %w", rec.ID, err)
		}
		r, err := d.newRunner(c)
		if err != nil {
			return err
		}
		d.runners[s.ID] = r
	}
	d.loaded = true
	return nil
}

// save writes s to the store.
func (d *Dispatcher) save(ctx context.Context, s Subscription) error {
	data, err := json.Marshal(s)
	if err != nil {
		return prefix.Errorf("webhook", "save subscription %q: %w", s.ID, err)
	}
	if err := d.subs.SaveSubscription(ctx, driver.SubscriptionRecord{ID: s.ID, Data: data}); err != nil {
		return prefix.Errorf("webhook", "save subscription %q: %w", s.ID, err)
	}
	return nil
}

// newRunner returns the runner of a checked subscription, not running.
func (d *Dispatcher) newRunner(c checked) (*runner, error) {
	r := &runner{sub: c.sub, id: c.sub.ID, filter: c.filter, url: c.sub.Service.Name}
	cons := &consumer{d: d, r: r, name: consumerName(c.sub.ID)}
	ec := engine.Config{
		Kind: "webhook", Name: cons.name, Log: d.store, Feed: d.feed, Lease: d.cfg.lease,
		Retry: herald.RetryPolicy{MaxAttempts: 1}, OnFailure: engine.DeadLetter, DeadLetters: d.letters,
		BatchSize: d.cfg.batch, PollInterval: d.cfg.poll, Logger: d.cfg.logger,
	}
	if d.feed == nil {
		ec.PollInterval = cmp.Or(d.cfg.poll, engine.DefaultPollInterval)
	}
	e, err := engine.New(ec, cons)
	if err != nil {
		return nil, err
	}
	r.eng = e
	return r, nil
}

// consumerName is the name of a subscription's checkpoint and dead
// letters.
func consumerName(id string) string { return "webhook:" + id }

// wake asks Run to start the subscriptions that should run.
func (d *Dispatcher) wake() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// lookup returns the runner of the subscription id, loading the
// subscriptions first.
func (d *Dispatcher) lookup(ctx context.Context, op, id string) (*runner, error) {
	if ctx == nil {
		return nil, prefix.Errorf("webhook", "%s: the context is nil: %w", op, herald.ErrInvalid)
	}
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.runners[id]
	if !ok {
		return nil, prefix.Errorf("webhook", "%s: no subscription %q: %w", op, id, herald.ErrNotFound)
	}
	return r, nil
}
