package engine_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/store/memstore"
)

// tally is a consumer that counts events per name, with its checkpoint in
// memory.
type tally struct {
	counts     map[string]int
	checkpoint uint64
}

func (t *tally) Start(context.Context) (uint64, bool, error) { return t.checkpoint, false, nil }
func (t *tally) Wants(e *herald.Event) bool                  { return e.Aggregate.Context == "shop" }
func (t *tally) Reset(context.Context) error {
	t.counts, t.checkpoint = map[string]int{}, 0
	return nil
}

func (t *tally) Apply(_ context.Context, events []herald.Event, upTo uint64) (int, error) {
	for _, e := range events {
		t.counts[e.FullName()]++
	}
	if upTo > 0 {
		t.checkpoint = upTo
	}
	return len(events), nil
}

// An engine drives a consumer of the log: it catches up from the
// consumer's checkpoint and then polls the log, or follows a feed.
func Example() {
	ctx := context.Background()
	store, err := memstore.New()
	if err != nil {
		panic(err)
	}
	defer store.Close()
	order := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}
	events := []herald.Event{
		{Aggregate: order, Name: "placed", ID: uuid.New()},
		{Aggregate: order, Name: "paid", ID: uuid.New()},
		{Aggregate: herald.AggregateRef{Context: "mail", Name: "letter", ID: uuid.New()}, Name: "sent", ID: uuid.New()},
	}
	if err := store.Append(ctx, events); err != nil {
		panic(err)
	}
	t := &tally{counts: map[string]int{}}
	e, err := engine.New(engine.Config{Name: "tally", Log: store}, t)
	if err != nil {
		panic(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(runCtx) }()
	if err := e.Wait(ctx, 3); err != nil {
		panic(err)
	}
	stop()
	if err := <-done; err != nil {
		panic(err)
	}
	fmt.Println(t.counts["shop.order.placed"], t.counts["shop.order.paid"], t.counts["mail.letter.sent"], t.checkpoint)
	// Output: 1 1 0 3
}
