package durable_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/store/memstore"
)

// A durable subscription catches up with what the log holds, follows the
// bus, and keeps what its handler gave up on as dead letters.
func Example() {
	ctx := context.Background()
	store, err := memstore.New()
	if err != nil {
		panic(err)
	}
	defer store.Close()
	bus, err := membus.New()
	if err != nil {
		panic(err)
	}
	defer bus.Close(ctx)
	publisher, err := herald.NewPublisher(store, bus)
	if err != nil {
		panic(err)
	}
	order := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}
	if _, err := publisher.Publish(ctx, herald.Event{Aggregate: order, Name: "placed"}); err != nil {
		panic(err)
	}

	mailer, err := durable.New(durable.Config{
		Subscription: herald.Subscription{Name: "mailer", Handler: herald.HandlerFunc(
			func(_ context.Context, e herald.Event) error {
				if e.Name == "cancelled" {
					return fmt.Errorf("no template for %s", e.FullName())
				}
				fmt.Println("mail about", e.FullName())
				return nil
			})},
		Store: store, Bus: bus,
		Retry: herald.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- mailer.Run(runCtx) }()

	cancelled, err := publisher.Publish(ctx, herald.Event{Aggregate: order, Name: "cancelled"})
	if err != nil {
		panic(err)
	}
	if err := mailer.Wait(ctx, cancelled.Metadata.Position); err != nil {
		panic(err)
	}
	letters, err := mailer.DeadLetters(ctx)
	if err != nil {
		panic(err)
	}
	for _, d := range letters {
		fmt.Printf("dead letter: %s after %d attempt: %v\n", d.Event.FullName(), d.Attempts, d.Err)
	}
	stop()
	if err := <-done; err != nil {
		panic(err)
	}
	// Output:
	// mail about shop.order.placed
	// dead letter: shop.order.cancelled after 1 attempt: no template for shop.order.cancelled
}
