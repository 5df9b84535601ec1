package herald_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// Counter is an aggregate counting up.
type Counter struct {
	herald.AggregateBase
	Value int `json:"value"`
}

// Incremented is the data of demo.counter.incremented.
type Incremented struct {
	By int `json:"by"`
}

func newCounter() *Counter {
	c := &Counter{}
	herald.Apply(c, "incremented", func(i Incremented) { c.Value += i.By })
	return c
}

// Increment is the counter's command.
func (c *Counter) Increment(by int) error {
	if by <= 0 {
		return errors.New("increment by a positive number")
	}
	return c.Publish("incremented", Incremented{By: by})
}

func ExamplePublisher_Publish() {
	store, _ := memstore.New()
	publisher, _ := herald.NewPublisher(store, nil)
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane.doe@example.com"})

	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	e, err := publisher.Publish(ctx, herald.Event{Aggregate: ref, Name: "sent", Data: map[string]string{"text": "hey"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.FullName(), "at position", e.Metadata.Position, "revision", e.Metadata.Revision)
	fmt.Println("owner:", e.Metadata.Authorization.Owner)
	// Output:
	// communication.message.sent at position 1 revision 1
	// owner: jane.doe@example.com
}

func ExamplePublisher_PublishAfterCommit() {
	store, _ := memstore.New()
	publisher, _ := herald.NewPublisher(store, nil)
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}

	uow := &herald.UnitOfWork{}
	ctx := herald.ContextWithTx(context.Background(), uow)
	_ = publisher.PublishAfterCommit(ctx, herald.Event{Aggregate: ref, Name: "placed"})
	stats, _ := store.Stats(context.Background())
	fmt.Println("before commit:", stats.Events)

	if err := uow.Commit(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	stats, _ = store.Stats(context.Background())
	fmt.Println("after commit:", stats.Events)

	err := publisher.PublishAfterCommit(context.Background(), herald.Event{Aggregate: ref, Name: "paid"})
	fmt.Println(err)
	// Output:
	// before commit: 0
	// after commit: 1
	// herald: publish after commit: no transaction in context
}

func ExampleRepository_Use() {
	store, _ := memstore.New()
	publisher, _ := herald.NewPublisher(store, nil)
	counters, _ := herald.NewRepository(publisher, "demo", "counter", newCounter)
	ref := herald.AggregateRef{Context: "demo", Name: "counter", ID: uuid.New()}
	ctx := context.Background()

	for _, by := range []int{2, 3} {
		if _, err := counters.Use(ctx, ref.ID, func(c *Counter) error { return c.Increment(by) }); err != nil {
			fmt.Println(err)
		}
	}
	_, err := counters.Use(ctx, ref.ID, func(c *Counter) error { return c.Increment(-1) })
	fmt.Println(err)

	c, _ := counters.Load(ctx, ref.ID)
	fmt.Println("value", c.Value, "at revision", c.Revision())
	// Output:
	// increment by a positive number
	// value 5 at revision 2
}
