package bustest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
)

var orderCases = []testCase{
	{"Order/PerAggregateUnderConcurrency", testOrderPerAggregate},
	{"Order/AggregatesInParallel", testAggregatesInParallel},
}

// testOrderPerAggregate publishes the events of many aggregates from
// several goroutines to a subscription with four workers and checks that
// each aggregate's events are handled in revision order, one at a time.
func testOrderPerAggregate(t *testing.T, h *harness) {
	b := h.bus(t, Config{Workers: 4})
	const publishers, aggregatesPer, perAggregate = 4, 25, 40
	total := publishers * aggregatesPer * perAggregate

	var mu sync.Mutex
	var problems []string
	busy := make(map[herald.AggregateRef]*atomic.Int32)
	last := make(map[herald.AggregateRef]uint64)
	streams := make([][][]herald.Event, publishers)
	for p := range streams {
		streams[p] = make([][]herald.Event, aggregatesPer)
		for a := range streams[p] {
			s := aggregateEvents(perAggregate, "shop", fmt.Sprintf("order%d", p), "placed")
			streams[p][a] = s
			busy[s[0].Aggregate] = new(atomic.Int32)
		}
	}
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	var handled atomic.Int64
	allHandled := make(chan struct{})
	r := newRecorder()
	r.fn = func(_ context.Context, e herald.Event) error {
		defer func() {
			if handled.Add(1) == int64(total) {
				close(allHandled)
			}
		}()
		n := busy[e.Aggregate] // read only while handlers run
		if n.Add(1) != 1 {
			report("%s: two events of the aggregate handled at once", e.Aggregate)
		}
		runtime.Gosched()
		mu.Lock()
		if want := last[e.Aggregate] + 1; e.Metadata.Revision != want {
			problems = append(problems, fmt.Sprintf("%s: revision %d handled when %d was due", e.Aggregate, e.Metadata.Revision, want))
		}
		last[e.Aggregate] = e.Metadata.Revision
		mu.Unlock()
		n.Add(-1)
		return nil
	}
	subscribe(t, b, herald.Subscription{Name: "ordered", Handler: r})

	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Batches that take the next few events of a few aggregates
			// in turn, so aggregates interleave within and across batches.
			for i := 0; i < perAggregate; i += 4 {
				for a := 0; a < aggregatesPer; a += 5 {
					var batch []herald.Event
					for _, s := range streams[p][a:min(a+5, aggregatesPer)] {
						batch = append(batch, s[i:min(i+4, perAggregate)]...)
					}
					assert.NoError(t, b.Publish(context.Background(), batch))
				}
			}
		}()
	}
	wg.Wait()
	receive(t, allHandled, "every event handled")
	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems)
	for ref, rev := range last {
		assert.Equal(t, uint64(perAggregate), rev, "%s: every event handled", ref)
	}
}

// testAggregatesInParallel blocks the handler on one aggregate's event and
// checks that events of other aggregates are still handled meanwhile.
func testAggregatesInParallel(t *testing.T, h *harness) {
	b := h.bus(t, Config{Workers: 4})
	g := newGate(t)
	blocked := aggregateEvents(2, "shop", "order", "placed")
	r := newRecorder()
	r.fn = func(_ context.Context, e herald.Event) error {
		if e.Aggregate == blocked[0].Aggregate {
			g.wait()
		}
		return nil
	}
	subscribe(t, b, herald.Subscription{Name: "parallel", Handler: r})
	publish(t, b, blocked...)
	g.waitEntered(t)

	var others []herald.Event
	for range 64 {
		others = append(others, aggregateEvents(1, "shop", "order", "placed")...)
	}
	publish(t, b, others...)
	got := r.waitUntil(t, "an event of another aggregate is handled while one is blocked", func(events []herald.Event) bool {
		for _, e := range events {
			if e.Aggregate != blocked[0].Aggregate {
				return true
			}
		}
		return false
	})
	assert.Equal(t, ids(blocked[:1]), ids(ofAggregate(got, blocked[0].Aggregate)),
		"the blocked aggregate's second event waits for its first")
	g.release()
	got = r.waitCount(t, "parallel", len(blocked)+len(others))
	assert.Equal(t, ids(blocked), ids(ofAggregate(got, blocked[0].Aggregate)), "then follows it")
}
