package natsbus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLongHandlerKeepsItsEvent runs a handler four times as long as the
// acknowledgement wait while a second bus shares the subscription: the
// in-progress acknowledgements keep the event with the first, so it is
// handled once.
func TestLongHandlerKeepsItsEvent(t *testing.T) {
	opts := append(fresh(t), natsbus.WithAckWait(500*time.Millisecond), natsbus.WithPartitions(1))
	var mu sync.Mutex
	calls := make(map[uuid.UUID]int)
	fence := make(chan struct{})
	e, last := newEvent(), newEvent()
	long := e.ID
	handler := herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		mu.Lock()
		calls[e.ID]++
		mu.Unlock()
		if e.ID == long {
			time.Sleep(2 * time.Second) // the work, not a wait for the test
		} else {
			close(fence)
		}
		return nil
	})
	first := newShared(t, opts)
	second := newShared(t, opts)
	require.NoError(t, first.Subscribe(herald.Subscription{Name: "long", Handler: handler}))
	require.NoError(t, second.Subscribe(herald.Subscription{Name: "long", Handler: handler}))
	require.NoError(t, first.Publish(context.Background(), []herald.Event{e, last}))
	receive(t, fence, "the event after the long one")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, 1, calls[e.ID], "the long event handled once")
}

func newShared(t *testing.T, opts []natsbus.Option) *natsbus.Bus {
	b, err := natsbus.New(context.Background(), connect(t), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close(context.Background()) })
	return b
}
