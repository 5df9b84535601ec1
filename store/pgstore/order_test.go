package pgstore_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// TestReadersNeverSkipAnEvent runs 16 writers on two stores of one
// schema (two pools, as two processes would have), each appending inside
// transactions it holds open for a random while (some of which it rolls
// back) and with plain appends, while four readers tail the log. Every
// reader must see every committed event, each position the one after the
// last it saw: none skipped, none out of order, none below one seen.
func TestReadersNeverSkipAnEvent(t *testing.T) {
	const writers, rounds, readers = 16, 12, 4
	schema := newSchema(t)
	stores := []*pgstore.Store{openIn(t, schema), openIn(t, schema)}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	var committed atomic.Uint64
	var writing sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			s := stores[w%2]
			ref := storetest.NewRef("order", "writer")
			for r := range rounds {
				batch := []herald.Event{storetest.NewEvent(ref, "wrote", map[string]int{"w": w, "r": r})}
				if r%3 == 0 {
					if !assert.NoError(t, s.Append(ctx, batch)) {
						return
					}
					committed.Add(1)
					continue
				}
				tx, err := s.Begin(ctx)
				if !assert.NoError(t, err) {
					return
				}
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // before the append
				ok, err := s.AppendInCallerTx(pgstore.ContextWithTx(ctx, tx), batch, nil)
				if !assert.NoError(t, err) || !assert.True(t, ok) {
					_ = tx.Rollback(ctx)
					return
				}
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // holding the head
				if r%5 == 4 {
					assert.NoError(t, tx.Rollback(ctx))
					continue
				}
				if !assert.NoError(t, tx.Commit(ctx)) {
					return
				}
				committed.Add(1)
			}
		}()
	}
	go func() { writing.Wait(); close(done) }()

	var reading sync.WaitGroup
	seen := make([]uint64, readers)
	for r := range readers {
		reading.Add(1)
		go func() {
			defer reading.Done()
			s := stores[r%2]
			var last uint64
			for {
				finished := false
				select {
				case <-done:
					finished = true // read once more: everything is committed
				default:
				}
				for e, err := range s.ReadLog(ctx, last) {
					if !assert.NoError(t, err) {
						return
					}
					if !assert.Equal(t, last+1, e.Metadata.Position, "reader %d: the event after %d", r, last) {
						return
					}
					last = e.Metadata.Position
				}
				if finished {
					seen[r] = last
					return
				}
			}
		}()
	}
	reading.Wait()
	require.NoError(t, ctx.Err())
	total := committed.Load()
	require.NotZero(t, total)
	for r := range readers {
		assert.Equal(t, total, seen[r], "reader %d saw every committed event", r)
	}
	st, err := stores[0].Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, total, st.Head)
	assert.Equal(t, total, st.Events)
}
