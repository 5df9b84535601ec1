package membus_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
)

// A subscription receives the events whose names match its filter, on its
// own goroutine; Close waits until it has handled what was published.
func Example() {
	bus, err := membus.New()
	if err != nil {
		panic(err)
	}
	err = bus.Subscribe(herald.Subscription{
		Name:   "inbox",
		Events: []string{"communication.message.sent"},
		Handler: herald.On(func(ctx context.Context, e herald.Event, text string) error {
			fmt.Printf("%s: %s\n", e.FullName(), text)
			return nil
		}),
	})
	if err != nil {
		panic(err)
	}

	message := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	ctx := context.Background()
	err = bus.Publish(ctx, []herald.Event{
		{Aggregate: message, Name: "sent", ID: uuid.New(), Data: "hey, how are you?"},
		{Aggregate: message, Name: "liked", ID: uuid.New()},
		{Aggregate: message, Name: "sent", ID: uuid.New(), Data: "fine, thanks"},
	})
	if err != nil {
		panic(err)
	}
	if err := bus.Close(ctx); err != nil {
		panic(err)
	}
	fmt.Println(bus.Publish(ctx, nil))
	// Output:
	// communication.message.sent: hey, how are you?
	// communication.message.sent: fine, thanks
	// membus: publish: herald: closed
}

// Events a handler fails on, or panics on, go to the dead-letter function.
func ExampleWithDeadLetter() {
	bus, err := membus.New(membus.WithDeadLetter(func(ctx context.Context, d membus.DeadLetter) {
		fmt.Printf("%s could not handle %s after %d attempt: %v\n",
			d.Subscription, d.Event.FullName(), d.Attempts, d.Err)
	}))
	if err != nil {
		panic(err)
	}
	err = bus.Subscribe(herald.Subscription{
		Name: "strict",
		Handler: herald.HandlerFunc(func(ctx context.Context, e herald.Event) error {
			return errors.New("no text")
		}),
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	event := herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      "sent",
		ID:        uuid.New(),
	}
	if err := bus.Publish(ctx, []herald.Event{event}); err != nil {
		panic(err)
	}
	if err := bus.Close(ctx); err != nil {
		panic(err)
	}
	// Output:
	// strict could not handle communication.message.sent after 1 attempt: no text
}
