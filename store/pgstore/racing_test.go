package pgstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// TestRacingStoresNumberOneAggregate has two stores of one schema (as two
// processes) append to the same aggregate at once, half the writers at
// its end and half at the revision they expect, retrying a conflict: the
// stream must hold every event once, its revisions 1, 2, 3... without a
// gap, and the counts and head must agree with it.
func TestRacingStoresNumberOneAggregate(t *testing.T) {
	const writers, rounds = 8, 15
	schema := newSchema(t)
	stores := []*pgstore.Store{openIn(t, schema), openIn(t, schema)}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	ref := storetest.NewRef("race", "counter")

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for r := range rounds {
				if !assert.NoError(t, appendOnce(ctx, s, ref, w%4 < 2, map[string]int{"w": w, "r": r})) {
					return
				}
			}
		}()
	}
	wg.Wait()

	var revision, last uint64
	for e, err := range stores[0].ReadStream(ctx, ref, 0, 0) {
		require.NoError(t, err)
		revision++
		require.Equal(t, revision, e.Metadata.Revision, "the revisions have no gap")
		require.Greater(t, e.Metadata.Position, last, "the positions grow")
		last = e.Metadata.Position
	}
	assert.Equal(t, uint64(writers*rounds), revision, "every event is stored once")
	st, err := stores[1].Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(writers*rounds), st.Events)
	assert.Equal(t, uint64(writers*rounds), st.Counts["race.counter.happened"])
	assert.Equal(t, last, st.Head)
}

// appendOnce appends one event to ref: at its end, or at the revision
// after the last one read, again after each conflict.
func appendOnce(ctx context.Context, s *pgstore.Store, ref herald.AggregateRef, expect bool, data any) error {
	for {
		e := storetest.NewEvent(ref, "happened", data)
		if expect {
			var rev uint64
			for got, err := range s.ReadStream(ctx, ref, 0, 0) {
				if err != nil {
					return err
				}
				rev = got.Metadata.Revision
			}
			e.Metadata.Revision = rev + 1
		}
		err := s.Append(ctx, []herald.Event{e})
		var conflict *herald.ConflictError
		if !expect || !errors.As(err, &conflict) {
			return err
		}
	}
}
