package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var deliveryCases = []testCase{
	{"Delivery/MatchingSubscriptions/Async", func(t *testing.T, h *harness) { testMatching(t, h, false) }},
	{"Delivery/MatchingSubscriptions/Sync", func(t *testing.T, h *harness) { testMatching(t, h, true) }},
	{"Delivery/OrderPerSubscription", testOrder},
	{"Delivery/OrderPerPublisher", testOrderPerPublisher},
	{"Delivery/SyncBeforePublishReturns", testSyncInsidePublish},
	{"Delivery/HandlerContextCarriesCause/Async", func(t *testing.T, h *harness) { testCause(t, h, false) }},
	{"Delivery/HandlerContextCarriesCause/Sync", func(t *testing.T, h *harness) { testCause(t, h, true) }},
}

// matchingEvents are the events testMatching publishes, by short name.
var matchingEvents = []struct{ key, context, aggregate, name string }{
	{"placed", "shop", "order", "placed"},
	{"cancelled", "shop", "order", "cancelled"},
	{"invoicePlaced", "shop", "invoice", "placed"},
	{"billingPlaced", "billing", "order", "placed"},
	{"invoiceSent", "billing", "invoice", "sent"},
}

// matchingSubscriptions are the filters testMatching subscribes with and
// the events (by short name, in publish order) each must receive. The
// expectations are written out by hand, not computed with a matcher.
var matchingSubscriptions = []struct {
	name   string
	events []string
	want   []string
}{
	{"every-event", nil, []string{"placed", "cancelled", "invoicePlaced", "billingPlaced", "invoiceSent"}},
	{"all-wildcards", []string{"*.*.*"}, []string{"placed", "cancelled", "invoicePlaced", "billingPlaced", "invoiceSent"}},
	{"exact", []string{"shop.order.placed"}, []string{"placed"}},
	{"any-context", []string{"*.order.placed"}, []string{"placed", "billingPlaced"}},
	{"any-aggregate", []string{"shop.*.placed"}, []string{"placed", "invoicePlaced"}},
	{"any-name", []string{"shop.order.*"}, []string{"placed", "cancelled"}},
	{"two-patterns", []string{"billing.invoice.sent", "shop.order.cancelled"}, []string{"cancelled", "invoiceSent"}},
	{"overlapping-patterns", []string{"shop.order.*", "shop.*.placed"}, []string{"placed", "cancelled", "invoicePlaced"}},
	{"no-match", []string{"shipping.parcel.sent"}, nil},
	{"prefix-is-no-match", []string{"shop.order.place"}, nil},
	{"segments-in-place", []string{"order.shop.placed"}, nil},
}

// testMatching checks that every subscription receives exactly the events
// its filter matches, each once, in order.
func testMatching(t *testing.T, h *harness, isSync bool) {
	b := h.bus(t, Config{})
	recorders := make(map[string]*recorder)
	for _, s := range matchingSubscriptions {
		r := newRecorder()
		recorders[s.name] = r
		events := s.events
		if events != nil {
			events = append([]string{fenceName}, events...)
		}
		subscribe(t, b, herald.Subscription{Name: s.name, Events: events, Handler: r, Sync: isSync})
	}
	byKey := make(map[string]uuid.UUID)
	var batch []herald.Event
	for i, m := range matchingEvents {
		e := newEvent(m.context, m.aggregate, m.name, i)
		byKey[m.key] = e.ID
		batch = append(batch, e)
	}
	publish(t, b, batch[:2]...)
	publish(t, b, batch[2:]...)
	publish(t, b, newFence())
	for _, s := range matchingSubscriptions {
		got := recorders[s.name].waitFence(t, s.name)
		want := make([]uuid.UUID, 0, len(s.want))
		for _, key := range s.want {
			want = append(want, byKey[key])
		}
		assert.Equal(t, want, ids(got), "subscription %q with filter %q", s.name, s.events)
	}
}

// testOrder publishes in batches of many sizes from one goroutine and
// checks every subscription receives its events in publish order.
func testOrder(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	all, placed, syncAll := newRecorder(), newRecorder(), newRecorder()
	subscribe(t, b, herald.Subscription{Name: "all", Handler: all})
	subscribe(t, b, herald.Subscription{Name: "placed", Events: []string{"shop.order.placed", fenceName}, Handler: placed})
	subscribe(t, b, herald.Subscription{Name: "sync", Handler: syncAll, Sync: true})

	const n = 2000
	events := make([]herald.Event, n)
	var wantPlaced []uuid.UUID
	for i := range events {
		name := []string{"placed", "cancelled"}[i%2]
		events[i] = newEvent("shop", "order", name, i)
		if name == "placed" {
			wantPlaced = append(wantPlaced, events[i].ID)
		}
	}
	for i, size := 0, 1; i < n; i, size = i+size, size%37+1 {
		publish(t, b, events[i:min(i+size, n)]...)
	}
	publish(t, b, newFence())
	assert.Equal(t, ids(events), ids(all.waitFence(t, "all")), "subscription to every event")
	assert.Equal(t, wantPlaced, ids(placed.waitFence(t, "placed")), "subscription to one name")
	assert.Equal(t, ids(events), ids(syncAll.waitFence(t, "sync")), "sync subscription")
}

// testOrderPerPublisher publishes from several goroutines at once and
// checks each publisher's events arrive in the order it published them.
func testOrderPerPublisher(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	r := newRecorder()
	subscribe(t, b, herald.Subscription{Name: "all", Handler: r})

	const publishers, perPublisher = 4, 500
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perPublisher {
				e := newEvent("shop", fmt.Sprintf("publisher%d", p), "placed", i)
				assert.NoError(t, b.Publish(context.Background(), []herald.Event{e}))
			}
		}()
	}
	wg.Wait()
	got := r.waitCount(t, "all", publishers*perPublisher)
	next := make(map[string]int)
	for _, e := range got {
		seq := e.Data.(int)
		require.Equal(t, next[e.Aggregate.Name], seq, "event %d of %s arrives out of order", seq, e.Aggregate.Name)
		next[e.Aggregate.Name]++
	}
}

// testSyncInsidePublish checks a Sync subscription has handled its events
// when Publish returns.
func testSyncInsidePublish(t *testing.T, h *harness) {
	b := h.bus(t, Config{})
	r := newRecorder()
	subscribe(t, b, herald.Subscription{Name: "sync", Events: []string{"shop.order.*"}, Handler: r, Sync: true})
	events := newEvents(3, "shop", "order", "placed")
	publish(t, b, events...)
	assert.Equal(t, ids(events), ids(r.received()), "events handled before Publish returned")
}

// testCause checks the context a handler gets names the event as the cause
// and is not cancelled while the bus is open.
func testCause(t *testing.T, h *harness, isSync bool) {
	b := h.bus(t, Config{})
	var mu sync.Mutex
	var problems []string
	r := newRecorder()
	r.fn = func(ctx context.Context, e herald.Event) error {
		mu.Lock()
		defer mu.Unlock()
		cause := driver.CauseFrom(ctx)
		switch {
		case cause == nil:
			problems = append(problems, fmt.Sprintf("event %d: no cause in the context", e.Data))
		case cause.ID != e.ID || cause.FullName() != e.FullName():
			problems = append(problems, fmt.Sprintf("event %d: the cause is %s %s, not the event", e.Data, cause.FullName(), cause.ID))
		case ctx.Err() != nil:
			problems = append(problems, fmt.Sprintf("event %d: the context is done: %v", e.Data, ctx.Err()))
		}
		return nil
	}
	subscribe(t, b, herald.Subscription{Name: "cause", Handler: r, Sync: isSync})
	events := newEvents(50, "shop", "order", "placed")
	publish(t, b, events[:1]...)
	publish(t, b, events[1:]...)
	r.waitCount(t, "cause", len(events))
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems)
}
