package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
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
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	registry, err := defineEvents()
	if err != nil {
		return err
	}
	store := memstore.New()
	defer store.Close()
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
	if err := chat(ctx, publisher); err != nil {
		return err
	}
	closing, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := bus.Close(closing); err != nil {
		return err
	}
	messages.print()
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
