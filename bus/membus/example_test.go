package membus_test

import (
	"context"
	"fmt"
	"sync"
	"time"

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
	// membus: publish: closed
}

// Events a handler fails on, or panics on, are retried, then handed to
// the dead-letter function with the attempts and the last error.
func ExampleWithDeadLetter() {
	bus, err := membus.New(
		membus.WithRetry(herald.RetryPolicy{InitialInterval: time.Millisecond, MaxAttempts: 3}),
		membus.WithDeadLetter(func(ctx context.Context, d herald.DeadLetter) {
			fmt.Printf("%s could not handle %s after %d attempts: %v\n",
				d.Subscription, d.Event.FullName(), d.Attempts, d.Err)
		}))
	if err != nil {
		panic(err)
	}
	attempts := 0
	err = bus.Subscribe(herald.Subscription{
		Name: "strict",
		Handler: herald.HandlerFunc(func(ctx context.Context, e herald.Event) error {
			attempts++
			return fmt.Errorf("attempt %d: no text", attempts)
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
	for {
		status, err := bus.Status(ctx)
		if err != nil {
			panic(err)
		}
		if status[0].DeadLettered > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := bus.Close(ctx); err != nil {
		panic(err)
	}
	// Output:
	// strict could not handle communication.message.sent after 3 attempts: attempt 3: no text
}

// A subscription with several workers handles the events of different
// aggregates in parallel, and those of one aggregate in order; a pattern
// selects events by any field of the envelope.
func ExampleWithWorkers() {
	bus, err := membus.New(membus.WithWorkers(4))
	if err != nil {
		panic(err)
	}
	var mu sync.Mutex
	likes := map[uuid.UUID][]int{}
	err = bus.Subscribe(herald.Subscription{
		Name:    "likes",
		Pattern: `{"name": ["liked"], "data": [{"numeric": [">", 0]}]}`,
		Handler: herald.On(func(ctx context.Context, e herald.Event, n int) error {
			mu.Lock()
			defer mu.Unlock()
			likes[e.Aggregate.ID] = append(likes[e.Aggregate.ID], n)
			return nil
		}),
	})
	if err != nil {
		panic(err)
	}
	a := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	b := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	var events []herald.Event
	for i := range 5 {
		events = append(events,
			herald.Event{Aggregate: a, Name: "liked", ID: uuid.New(), Data: i},
			herald.Event{Aggregate: b, Name: "liked", ID: uuid.New(), Data: 10 * i})
	}
	ctx := context.Background()
	if err := bus.Publish(ctx, events); err != nil {
		panic(err)
	}
	if err := bus.Close(ctx); err != nil {
		panic(err)
	}
	fmt.Println(likes[a.ID], likes[b.ID])
	// Output:
	// [1 2 3 4] [10 20 30 40]
}
