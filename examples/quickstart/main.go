package main

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/store/memstore"
)

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text"`
}

// Message is an aggregate whose state is its text.
type Message struct {
	herald.AggregateBase
	Text string `json:"text"`
}

func main() {
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane.doe@example.com"})
	bus, _ := membus.New()
	_ = bus.Subscribe(herald.Subscription{Name: "printer", Events: []string{"communication.message.*"},
		Handler: herald.On(func(ctx context.Context, e herald.Event, s Sent) error {
			fmt.Printf("%s by %s: %q\n", e.FullName(), e.User.ID, s.Text)
			return nil
		})})
	store, _ := memstore.New()
	publisher, _ := herald.NewPublisher(store, bus)
	messages, _ := herald.NewRepository(publisher, "communication", "message", func() *Message {
		m := &Message{}
		herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
		return m
	})
	_, err := messages.Use(ctx, uuid.New(), func(m *Message) error { return m.Publish("sent", Sent{Text: "hey"}) })
	fmt.Println("saved:", err == nil)
	_ = bus.Close(ctx)
}
