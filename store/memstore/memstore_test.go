package memstore_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) herald.Store {
		return newStore(t)
	})
}

// BenchmarkMemstoreAppend appends one event at a time, spread over a few
// aggregates, as a publisher of single events does.
func BenchmarkMemstoreAppend(b *testing.B) {
	ctx := context.Background()
	s := newStore(b)
	refs := make([]herald.AggregateRef, 64)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	}
	var data any = struct{ Text string }{"hey, how are you?"}
	now := time.Now()
	batch := make([]herald.Event, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		batch[0] = herald.Event{
			Aggregate: refs[i%len(refs)],
			Name:      "sent",
			ID:        benchID(i),
			Data:      data,
			Metadata:  herald.Metadata{Timestamp: now},
		}
		if err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// benchID returns a distinct event id for i without reading random bytes.
func benchID(i int) uuid.UUID {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[8:], uint64(i)+1)
	return id
}

func Example() {
	ctx := context.Background()
	s, _ := memstore.New()
	defer s.Close()

	message := herald.AggregateRef{
		Context: "communication",
		Name:    "message",
		ID:      uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5"),
	}
	events := []herald.Event{
		{Aggregate: message, Name: "sent", ID: uuid.New(), Data: map[string]string{"text": "hey"}},
		{Aggregate: message, Name: "liked", ID: uuid.New()},
		{Aggregate: message, Name: "liked", ID: uuid.New()},
	}
	if err := s.Append(ctx, events); err != nil {
		fmt.Println(err)
		return
	}
	for e, err := range s.ReadStream(ctx, message, 2, 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Metadata.Position, e.Metadata.Revision, e.FullName())
	}

	stale := events[2]
	stale.ID = uuid.New()
	err := s.Append(ctx, []herald.Event{stale}) // expects revision 3, taken
	fmt.Println(err)

	stats, _ := s.Stats(ctx)
	fmt.Println(stats.Events, stats.Counts["communication.message.liked"])
	// Output:
	// 2 2 communication.message.liked
	// 3 3 communication.message.liked
	// memstore: append: aggregate communication.message.0b866be9-f83c-4501-a54f-fa3facb582c5: an event asked for revision 3, but the aggregate is at revision 3 (its next event is revision 4): conflict
	// 3 2
}
