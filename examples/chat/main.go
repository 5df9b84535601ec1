package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
)

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text"`
}

// Validate rejects an empty message.
func (s Sent) Validate() error {
	if strings.TrimSpace(s.Text) == "" {
		return &herald.ValidationError{Field: "data.text", Reason: "is empty"}
	}
	return nil
}

// Liked is the data of communication.message.liked.
type Liked struct{}

// Message is the message aggregate.
type Message struct {
	herald.AggregateBase
	Text  string `json:"text"`
	Likes int    `json:"likes"`
}

func newMessage() *Message {
	m := &Message{}
	herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
	herald.Apply(m, "liked", func(Liked) { m.Likes++ })
	return m
}

// Send sends the message.
func (m *Message) Send(text string) error {
	if m.Revision() > 0 {
		return errors.New("message was already sent")
	}
	return m.Publish("sent", Sent{Text: text})
}

// Like likes a sent message.
func (m *Message) Like() error {
	if m.Revision() == 0 {
		return errors.New("message does not exist")
	}
	return m.Publish("liked", Liked{})
}

func main() {
	dir := flag.String("dir", "", "directory of the event store file chat.db (default: a temporary one, removed at exit)")
	memory := flag.Bool("memory", false, "keep the events in memory instead of a file")
	flag.Parse()
	if err := run(context.Background(), *dir, *memory); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// eventStore is what the chat needs of its store: a herald.Store it can
// close.
type eventStore interface {
	herald.Store
	Close() error
}

// openStore opens the store: a bbolt file chat.db in dir, or in a
// temporary directory when dir is empty, or memory.
func openStore(dir string, memory bool, registry *herald.Registry) (store eventStore, cleanup func(), err error) {
	if memory {
		s := memstore.New()
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

func run(ctx context.Context, dir string, memory bool) error {
	registry, err := defineEvents()
	if err != nil {
		return err
	}
	store, cleanup, err := openStore(dir, memory, registry)
	if err != nil {
		return err
	}
	defer cleanup()
	bus, err := membus.New()
	if err != nil {
		return err
	}
	messages := newReadModel()
	if err := subscribe(bus, messages); err != nil {
		return err
	}
	publisher, err := herald.NewPublisher(store, bus, herald.WithRegistry(registry))
	if err != nil {
		return err
	}
	// Events a previous run stored but did not deliver before it stopped.
	if n, err := publisher.Redeliver(ctx); err != nil {
		return err
	} else if n > 0 {
		fmt.Println("redelivered", n, "events a previous run did not deliver")
	}
	if err := chat(ctx, publisher); err != nil {
		return err
	}
	closing, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bus.Close(closing); err != nil {
		return err
	}
	messages.print()
	return printLog(ctx, store)
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

func defineEvents() (*herald.Registry, error) {
	r := herald.NewRegistry(herald.Strict())
	forEveryone := herald.DefaultAuthorization(herald.Authorization{ForAuthenticated: true, ForPublic: true})
	if _, err := herald.Define[Sent](r, "communication", "message", "sent",
		herald.Description("A message was sent."), forEveryone, herald.Sample(Sent{Text: "hey, how are you?"})); err != nil {
		return nil, err
	}
	_, err := herald.Define[Liked](r, "communication", "message", "liked",
		herald.Description("A message was liked."), forEveryone, herald.Sample(Liked{}))
	return r, err
}

func subscribe(bus *membus.Bus, messages *readModel) error {
	err := bus.Subscribe(herald.Subscription{
		Name:    "printer",
		Events:  []string{"communication.*.*"},
		Sync:    true,
		Handler: herald.HandlerFunc(printEvent),
	})
	if err != nil {
		return err
	}
	return bus.Subscribe(herald.Subscription{
		Name:    "messages",
		Events:  []string{"communication.message.*"},
		Handler: messages,
	})
}

func printEvent(_ context.Context, e herald.Event) error {
	fmt.Printf("event %-28s revision %d position %d by %s\n",
		e.FullName(), e.Metadata.Revision, e.Metadata.Position, author(e))
	return nil
}

func author(e herald.Event) string {
	if e.User == nil {
		return "anonymous"
	}
	return e.User.ID
}

func chat(ctx context.Context, publisher *herald.Publisher) error {
	repo, err := herald.NewRepository(publisher, newMessage)
	if err != nil {
		return err
	}
	jane := herald.WithUser(ctx, herald.User{ID: "jane.doe@example.com"})
	john := herald.WithUser(ctx, herald.User{ID: "john.doe@example.com"})
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
		{john, first, (*Message).Like},
	}
	for _, s := range steps {
		if _, err := repo.Use(s.ctx, s.ref, s.command); err != nil {
			return err
		}
	}
	_, err = repo.Use(jane, first, func(m *Message) error { return m.Send("") })
	fmt.Println("sending twice is refused:", err)
	_, err = repo.Use(jane, herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		func(m *Message) error { return m.Send("   ") })
	fmt.Println("an empty message is refused:", err)
	return nil
}

// readModel is the list of messages, kept up to date by a subscription.
type readModel struct {
	mu       sync.Mutex
	messages map[uuid.UUID]*messageView
}

type messageView struct {
	Text   string
	Author string
	Likes  int
	// Position orders the messages as they were sent.
	Position uint64
}

func newReadModel() *readModel {
	return &readModel{messages: make(map[uuid.UUID]*messageView)}
}

// Handle applies one event to the read model.
func (m *readModel) Handle(ctx context.Context, e herald.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e.Name {
	case "sent":
		sent, err := herald.DataAs[Sent](&e)
		if err != nil {
			return err
		}
		m.messages[e.Aggregate.ID] = &messageView{Text: sent.Text, Author: author(e), Position: e.Metadata.Position}
	case "liked":
		if v, ok := m.messages[e.Aggregate.ID]; ok {
			v.Likes++
		}
	}
	return nil
}

func (m *readModel) print() {
	m.mu.Lock()
	defer m.mu.Unlock()
	views := make([]*messageView, 0, len(m.messages))
	for _, v := range m.messages {
		views = append(views, v)
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Position < views[j].Position })
	fmt.Println("messages:")
	for _, v := range views {
		fmt.Printf("  %-20s by %-22s %d likes\n", v.Text, v.Author, v.Likes)
	}
}
