package push_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/push"
)

// OrderPlaced, OrderShipped and Announced are the data of the orders
// application's events.
type (
	OrderPlaced  struct{ Item string }
	OrderShipped struct{}
	Announced    struct{ Text string }
)

// Order is the orders application's aggregate.
type Order struct {
	herald.AggregateBase
	Shipped bool
}

func newOrder() *Order {
	o := &Order{}
	herald.Apply(o, "placed", func(OrderPlaced) {})
	herald.Apply(o, "shipped", func(OrderShipped) { o.Shipped = true })
	return o
}

func (o *Order) ship() error {
	if o.Shipped {
		return nil
	}
	return o.Publish("shipped", OrderShipped{})
}

// ordersRegistry defines the orders application's events, private but
// for the shop's announcements.
func ordersRegistry(t *testing.T) *herald.Registry {
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[OrderPlaced](r, "orders", "order", "placed")
	require.NoError(t, err)
	_, err = herald.Define[OrderShipped](r, "orders", "order", "shipped")
	require.NoError(t, err)
	_, err = herald.Define[Announced](r, "orders", "shop", "announced",
		herald.WithDefaultAuthorization(herald.Authorization{ForPublic: true}))
	require.NoError(t, err)
	return r
}

// The orders application end to end: customers place orders, a flow ships
// them, and on a push stream each customer sees the events of their own
// orders alone; anonymous clients and other customers see none of them.
func TestEachCustomerSeesOnlyTheirOrders(t *testing.T) {
	reg := ordersRegistry(t)
	withRegistry := func(e *env) {
		var err error
		e.pub, err = herald.NewPublisher(e.store, e.bus, herald.WithRegistry(reg))
		require.NoError(t, err)
	}
	orders := push.Stream{ID: "orders", PublicSubscribe: true, Events: []push.StreamEvent{{Name: "orders.*.*"}}}
	e := newEnvAfter(t, withRegistry, []push.Stream{orders}, push.WithAuthenticator(queryUser))
	repo, err := herald.NewRepository(e.pub, "orders", "order", newOrder)
	require.NoError(t, err)
	shipping, err := projection.NewFlow(projection.FlowConfig{
		Name: "shipping", Store: e.store, Bus: e.bus, Registry: reg,
		Reactions: []projection.Reaction{projection.When("orders.order.placed",
			func(ctx context.Context, ev herald.Event, _ OrderPlaced) error {
				_, err := repo.Use(ctx, ev.Aggregate.ID, (*Order).ship)
				return err
			})},
	})
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- shipping.Run(ctx) }()
	t.Cleanup(func() { stop(); require.NoError(t, <-done) })

	customers := []string{"", "alice", "bob", "carol"}
	live := map[string]*sse{}
	for _, who := range customers {
		live[who] = e.open("orders", as(who))
	}
	placed := map[string]herald.AggregateRef{}
	var last uint64
	for _, who := range []string{"alice", "bob"} {
		ref := herald.AggregateRef{Context: "orders", Name: "order", ID: uuid.New()}
		_, err := repo.Use(herald.ContextWithUser(context.Background(), herald.User{ID: who}), ref.ID,
			func(o *Order) error { return o.Publish("placed", OrderPlaced{Item: who + "'s book"}) })
		require.NoError(t, err)
		placed[who] = ref
		stats, err := e.store.Stats(context.Background())
		require.NoError(t, err)
		last = stats.Head
	}
	require.NoError(t, shipping.Wait(context.Background(), last))
	end := e.publishAsIs("", herald.Event{
		Aggregate: herald.AggregateRef{Context: "orders", Name: "shop", ID: uuid.New()},
		Name:      "announced", Data: Announced{Text: "closed for today"},
	})

	// What each customer should see: the events of their orders, in order.
	want := map[string][]string{"": {}, "carol": {}}
	for e, err := range e.store.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		for who, ref := range placed {
			if e.Aggregate == ref {
				want[who] = append(want[who], pos(e))
			}
		}
	}
	require.Len(t, want["alice"], 2, "placed and shipped")
	require.Len(t, want["bob"], 2, "placed and shipped")
	for _, who := range customers {
		name := who
		if name == "" {
			name = "anonymous"
		}
		t.Run("live for "+name, func(t *testing.T) {
			assert.Equal(t, want[who], live[who].on(t).upTo(pos(end)))
		})
		t.Run("replayed for "+name, func(t *testing.T) {
			req := as(who)
			req.header = http.Header{"Last-Event-Id": {"0"}}
			assert.Equal(t, want[who], e.open("orders", req).on(t).upTo(pos(end)))
		})
	}
}
