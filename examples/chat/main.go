package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/store/pgstore"
	bolt "go.etcd.io/bbolt"
)

func main() {
	dir := flag.String("dir", "", "directory of the event store file chat.db (default: a temporary one, removed at exit)")
	memory := flag.Bool("memory", false, "keep the events in memory instead of a file")
	postgres := flag.String("postgres", "", "keep the events in PostgreSQL, in the schema herald of the database this connection string names, such as postgres://postgres@127.0.0.1:5432/test")
	addr := flag.String("addr", "", "serve the chat's web page on this address, such as 127.0.0.1:8080, until interrupted (default: run a scripted chat and exit)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, storeFlags{dir: *dir, memory: *memory, postgres: *postgres}, *addr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run opens the chat, then serves its page on addr until ctx ends, or,
// without addr, runs the scripted chat and prints what it did.
func run(ctx context.Context, where storeFlags, addr string) (err error) {
	app, err := openChat(ctx, where)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, app.close()) }()
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		base := "http://" + ln.Addr().String()
		fmt.Printf("the chat is on %s/?user=jane and %s/?user=john; interrupt to stop\n", base, base)
		return serve(ctx, ln, app, nil)
	}
	if app.views != nil {
		// The read model as a previous run left it, brought up to the log's
		// head from its checkpoint.
		if err := app.printBoltMessages(ctx); err != nil {
			return err
		}
	}
	if err := chat(ctx, app.repo); err != nil {
		return err
	}
	// The flow features the message liked three times.
	if err := app.settle(ctx); err != nil {
		return err
	}
	if app.views != nil {
		if err := app.printBoltMessages(ctx); err != nil {
			return err
		}
	} else {
		if err := app.drain(); err != nil {
			return err
		}
		app.messages.print()
	}
	return printLog(ctx, app.store)
}

// eventStore is what the chat needs of its store: a herald.Store it can
// close.
type eventStore interface {
	herald.Store
	Close() error
}

// chatApp holds the chat's parts: its registry of events, its store and
// bus, the publisher, the repository of messages, the read model and the
// featuring flow. On boltstore the read model is the projection views in
// the store's bbolt file db; with -memory it is messages, fed by a
// subscription.
type chatApp struct {
	registry  *herald.Registry
	store     eventStore
	bus       *membus.Bus
	publisher *herald.Publisher
	repo      *herald.Repository[*Message]
	messages  *readModel
	db        *bolt.DB
	views     *projection.Projection[*bolt.Tx]
	flow      *projection.Flow
	stopRun   context.CancelFunc
	running   chan error
	cleanup   func()
	busClosed bool
}

// openChat opens the store and the bus, subscribes the printer and the
// read model, and delivers what a previous run stored but did not deliver.
func openChat(ctx context.Context, where storeFlags) (*chatApp, error) {
	registry, err := defineEvents()
	if err != nil {
		return nil, err
	}
	store, cleanup, err := openStore(ctx, where, registry)
	if err != nil {
		return nil, err
	}
	app := &chatApp{registry: registry, store: store, cleanup: cleanup}
	if s, ok := store.(*boltstore.Store); ok {
		app.db = s.DB()
	} else {
		app.messages = newReadModel()
	}
	if err := app.start(ctx); err != nil {
		return nil, errors.Join(err, app.close())
	}
	return app, nil
}

func (a *chatApp) start(ctx context.Context) error {
	bus, err := membus.New()
	if err != nil {
		return err
	}
	a.bus = bus
	if err := subscribe(bus, a.messages); err != nil {
		return err
	}
	if a.publisher, err = herald.NewPublisher(a.store, bus, herald.WithRegistry(a.registry)); err != nil {
		return err
	}
	// Events a previous run stored but did not deliver before it stopped.
	if n, err := a.publisher.Redeliver(ctx); err != nil {
		return err
	} else if n > 0 {
		fmt.Println("redelivered", n, "events a previous run did not deliver")
	}
	if a.repo, err = herald.NewRepository(a.publisher, "communication", "message", newMessage); err != nil {
		return err
	}
	return a.run(ctx)
}

// run starts the featuring flow and, on boltstore, the read model's
// projection, which goes on from the checkpoint a previous run saved.
func (a *chatApp) run(ctx context.Context) (err error) {
	var runner projection.Runner
	if a.flow, err = newFeaturingFlow(a); err != nil {
		return err
	}
	if err := runner.Add(a.flow); err != nil {
		return err
	}
	if a.db != nil {
		model := projection.Bolt(a.db)
		cp, ok, err := model.Load(ctx, "messages")
		if err != nil {
			return err
		}
		stats, err := a.store.Stats(ctx)
		if err != nil {
			return err
		}
		if ok {
			fmt.Printf("the read model resumes from its checkpoint at position %d (the log's head is %d), not rebuilt\n",
				cp.Position, stats.Head)
		} else {
			fmt.Printf("the read model has no checkpoint: it starts from the log's beginning (the log's head is %d)\n", stats.Head)
		}
		if a.views, err = newMessagesProjection(a, model); err != nil {
			return err
		}
		if err := runner.Add(a.views); err != nil {
			return err
		}
	}
	running, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopRun, a.running = stop, make(chan error, 1)
	go func() { a.running <- runner.Run(running) }()
	return nil
}

// settle waits for the flow to react to every event stored so far.
func (a *chatApp) settle(ctx context.Context) error {
	stats, err := a.store.Stats(ctx)
	if err != nil {
		return err
	}
	return a.flow.Wait(ctx, stats.Head)
}

// stop stops the flow and the projection.
func (a *chatApp) stop() error {
	if a.stopRun == nil {
		return nil
	}
	a.stopRun()
	a.stopRun = nil
	return <-a.running
}

// drain closes the bus once its subscriptions have handled what they had.
func (a *chatApp) drain() error {
	if a.bus == nil || a.busClosed {
		return nil
	}
	a.busClosed = true
	closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.bus.Close(closing)
}

// close stops the flow and the projection, drains the bus and closes the
// store.
func (a *chatApp) close() error {
	err := errors.Join(a.stop(), a.drain())
	a.cleanup()
	return err
}

// storeFlags say where the events are kept: -dir, -memory or -postgres.
type storeFlags struct {
	dir      string
	memory   bool
	postgres string
}

// openStore opens the store: a bbolt file chat.db in dir, or in a
// temporary directory when dir is empty, or memory, or PostgreSQL.
func openStore(ctx context.Context, where storeFlags, registry *herald.Registry) (store eventStore, cleanup func(), err error) {
	dir := where.dir
	if where.postgres != "" {
		s, err := pgstore.Open(ctx, where.postgres, pgstore.WithRegistry(registry))
		if err != nil {
			return nil, nil, err
		}
		fmt.Println("events are stored in PostgreSQL, in the schema", s.Schema())
		return s, func() { s.Close() }, nil
	}
	if where.memory {
		s, err := memstore.New()
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
	remove := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "herald-chat-"); err != nil {
			return nil, nil, err
		}
		remove = func() { os.RemoveAll(dir) }
	}
	path := filepath.Join(dir, "chat.db")
	s, err := boltstore.Open(path, boltstore.WithRegistry(registry))
	if err != nil {
		remove()
		return nil, nil, err
	}
	fmt.Println("events are stored in", path)
	return s, func() { s.Close(); remove() }, nil
}

// printLog reads the log back from the store and prints its size.
func printLog(ctx context.Context, store herald.Store) error {
	sent := 0
	var last herald.Event
	for e, err := range store.ReadLog(ctx, 0) {
		if err != nil {
			return err
		}
		if s, ok := e.Data.(Sent); ok && s.Text != "" {
			sent++
		}
		last = e
	}
	stats, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("the log holds %d events (%d messages sent); the last is %s at position %d\n",
		stats.Events, sent, last.FullName(), last.Metadata.Position)
	return nil
}

// subscribe subscribes the printer and, when not nil, the read model in
// memory.
func subscribe(bus *membus.Bus, messages *readModel) error {
	err := bus.Subscribe(herald.Subscription{
		Name:    "printer",
		Events:  []string{"communication.*.*"},
		Sync:    true,
		Handler: herald.HandlerFunc(printEvent),
	})
	if err != nil || messages == nil {
		return err
	}
	return bus.Subscribe(herald.Subscription{
		Name:    "messages",
		Events:  []string{"communication.message.*"},
		Handler: messages,
	})
}

func printEvent(_ context.Context, e herald.Event) error {
	fmt.Printf("event %-30s revision %d position %d by %s\n",
		e.FullName(), e.Metadata.Revision, e.Metadata.Position, author(e))
	return nil
}

// chat is the scripted chat of a run without -addr.
func chat(ctx context.Context, repo *herald.Repository[*Message]) error {
	jane := herald.ContextWithUser(ctx, herald.User{ID: "jane.doe@example.com"})
	john := herald.ContextWithUser(ctx, herald.User{ID: "john.doe@example.com"})
	first := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	second := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}

	steps := []struct {
		ctx     context.Context
		ref     herald.AggregateRef
		command func(*Message) error
	}{
		{jane, first, func(m *Message) error { return m.Send("hey, how are you?") }},
		{john, second, func(m *Message) error { return m.Send("fine, and you?") }},
		{john, first, (*Message).Like},
		{jane, second, (*Message).Like},
		{jane, second, (*Message).Star},
		{john, first, (*Message).Like},
		{jane, first, (*Message).Like},
	}
	for _, s := range steps {
		if _, err := repo.Use(s.ctx, s.ref.ID, s.command); err != nil {
			return err
		}
	}
	_, err := repo.Use(jane, first.ID, func(m *Message) error { return m.Send("") })
	fmt.Println("sending twice is refused:", err)
	_, err = repo.Use(jane, herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}.ID,
		func(m *Message) error { return m.Send("   ") })
	fmt.Println("an empty message is refused:", err)
	return nil
}
