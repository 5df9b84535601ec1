package bustest

import (
	"context"
	"iter"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/durable"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadLetterStore returns the case's store as a dead-letter store, or one
// kept in memory by the suite for a store that is none.
func (h *durableHarness) deadLetterStore() driver.DeadLetterStore {
	if ds, ok := h.store.(driver.DeadLetterStore); ok {
		return ds
	}
	if h.letters == nil {
		h.letters = &memDeadLetters{}
	}
	return h.letters
}

// letterIDs returns the event ids of dead letters, in order.
func letterIDs(letters []herald.DeadLetter) []uuid.UUID {
	out := make([]uuid.UUID, len(letters))
	for i := range letters {
		out[i] = letters[i].Event.ID
	}
	return out
}

// testDurableKeepsDeadLetters checks a dead letter is kept with its
// reason and attempts, outlasts a restart, and is replayed or discarded.
func testDurableKeepsDeadLetters(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	stored := h.publish(t, newEvents(5, "shop", "order", "placed")...)
	var healed atomic.Bool
	r := newRecorder()
	r.fn = func(ctx context.Context, e herald.Event) error {
		if (e.ID == stored[1].ID || e.ID == stored[3].ID) && !healed.Load() {
			return failWithError(ctx, e)
		}
		return nil
	}
	cfg := durable.Config{Subscription: herald.Subscription{Name: "kept", Handler: r},
		Retry: quickRetry, DeadLetters: h.deadLetterStore()}
	d := h.start(t, cfg)
	wait(t, d, 5)
	letters, err := d.DeadLetters(background(t))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{stored[1].ID, stored[3].ID}, letterIDs(letters), "in position order")
	assert.Equal(t, "kept", letters[0].Subscription)
	assert.Equal(t, quickRetry.MaxAttempts, letters[0].Attempts)
	assert.Contains(t, letters[0].Err.Error(), errPlanned.Error())
	assert.Equal(t, stored[1].Metadata.Position, letters[0].Event.Metadata.Position)
	assert.False(t, letters[0].At.IsZero(), "when it was given up")
	require.NoError(t, d.stop(t))

	d = h.start(t, cfg)
	wait(t, d, 5)
	letters, err = d.DeadLetters(background(t))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{stored[1].ID, stored[3].ID}, letterIDs(letters), "kept across the restart")

	healed.Store(true)
	require.NoError(t, d.Replay(background(t), stored[1].ID))
	got := r.received()
	assert.Equal(t, stored[1].ID, got[len(got)-1].ID, "replayed to the handler")
	require.NoError(t, d.Discard(background(t), stored[3].ID))
	letters, err = d.DeadLetters(background(t))
	require.NoError(t, err)
	assert.Empty(t, letters, "the replayed and the discarded letters are gone")
	assert.ErrorIs(t, d.Replay(background(t), stored[3].ID), herald.ErrNotFound)
	assert.ErrorIs(t, d.Discard(background(t), uuid.New()), herald.ErrNotFound)
	saved, err := h.checkpoints.LoadCheckpoint(context.Background(), "kept")
	require.NoError(t, err)
	assert.Equal(t, uint64(5), saved, "a replay leaves the checkpoint where it is")
}

// testDurableParks checks that with Park the later events of an aggregate
// with a dead letter wait behind it, while other aggregates go on, and that
// replaying the first letter handles them after it, in order.
func testDurableParks(t *testing.T, h *durableHarness) {
	h.setUp(t, Config{})
	a := newEvents(3, "shop", "order", "placed")
	for i := range a {
		a[i].Aggregate = a[0].Aggregate
	}
	b := newEvent("shop", "order", "placed", 9)
	stored := h.publish(t, a[0], b, a[1], a[2])
	var healed atomic.Bool
	var mu sync.Mutex
	var handled []uuid.UUID
	handler := herald.HandlerFunc(func(ctx context.Context, e herald.Event) error {
		if e.ID == stored[0].ID && !healed.Load() {
			return failWithError(ctx, e)
		}
		mu.Lock()
		handled = append(handled, e.ID)
		mu.Unlock()
		return nil
	})
	d := h.start(t, durable.Config{Subscription: herald.Subscription{Name: "parks", Handler: handler},
		Retry: quickRetry, DeadLetters: h.deadLetterStore(), Park: true})
	wait(t, d, 4)
	mu.Lock()
	assert.Equal(t, []uuid.UUID{stored[1].ID}, handled, "the other aggregate goes on")
	mu.Unlock()
	letters, err := d.DeadLetters(background(t))
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{stored[0].ID, stored[2].ID, stored[3].ID}, letterIDs(letters))
	assert.False(t, letters[0].Parked)
	assert.True(t, letters[1].Parked, "waits behind the first")
	assert.ErrorIs(t, d.Replay(background(t), stored[2].ID), herald.ErrInvalid, "a parked letter waits for the one before it")

	healed.Store(true)
	require.NoError(t, d.Replay(background(t), stored[0].ID))
	mu.Lock()
	assert.Equal(t, []uuid.UUID{stored[1].ID, stored[0].ID, stored[2].ID, stored[3].ID}, handled,
		"the aggregate's events in their order")
	mu.Unlock()
	letters, err = d.DeadLetters(background(t))
	require.NoError(t, err)
	assert.Empty(t, letters)

	more := a[0]
	more.ID = uuid.New()
	next := h.publish(t, more)
	wait(t, d, next[0].Metadata.Position)
	mu.Lock()
	assert.Equal(t, next[0].ID, handled[len(handled)-1], "the aggregate is no longer parked")
	mu.Unlock()
}

// memDeadLetters keeps dead letters in memory for a store without them.
type memDeadLetters struct {
	mu      sync.Mutex
	letters []herald.DeadLetter
}

func (m *memDeadLetters) SaveDeadLetter(_ context.Context, d herald.DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.letters {
		if m.letters[i].Subscription == d.Subscription && m.letters[i].Event.ID == d.Event.ID {
			m.letters[i] = d
			return nil
		}
	}
	m.letters = append(m.letters, d)
	return nil
}

func (m *memDeadLetters) DeadLetters(_ context.Context, consumer string) iter.Seq2[herald.DeadLetter, error] {
	m.mu.Lock()
	var mine []herald.DeadLetter
	for _, d := range m.letters {
		if d.Subscription == consumer {
			mine = append(mine, d)
		}
	}
	m.mu.Unlock()
	return func(yield func(herald.DeadLetter, error) bool) {
		for _, d := range mine {
			if !yield(d, nil) {
				return
			}
		}
	}
}

func (m *memDeadLetters) DeleteDeadLetter(_ context.Context, consumer string, id uuid.UUID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.letters {
		if m.letters[i].Subscription == consumer && m.letters[i].Event.ID == id {
			m.letters = append(m.letters[:i], m.letters[i+1:]...)
			return nil
		}
	}
	return herald.ErrNotFound
}
