package projection_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSettleWaitsForWhatFlowsPublish runs a flow that likes every message
// sent and a projection that counts the likes: one Settle returns once the
// projection has counted the likes of every message, published by the
// flow after the messages.
func TestSettleWaitsForWhatFlowsPublish(t *testing.T) {
	e := newMemEnv(t)
	var likes atomic.Int64
	flow, err := projection.NewFlow(projection.FlowConfig{
		Name: "liker", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry,
		Reactions: []projection.Reaction{projection.When(sentName, func(ctx context.Context, ev herald.Event, _ Sent) error {
			_, err := e.publisher.Publish(ctx, herald.Event{Aggregate: ev.Aggregate, Name: "liked", Data: Liked{}})
			return err
		})},
	})
	require.NoError(t, err)
	counter, err := projection.New(projection.Config[*atomic.Int64]{
		Name: "likes", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry,
		Model: projection.Memory(&likes),
		Handlers: []projection.Handler[*atomic.Int64]{projection.On(likedName,
			func(_ context.Context, n *atomic.Int64, _ herald.Event, _ Liked) error { n.Add(1); return nil })},
		Reset: func(_ context.Context, n *atomic.Int64) error { n.Store(0); return nil },
	})
	require.NoError(t, err)
	var r projection.Runner
	require.NoError(t, r.Add(counter, flow))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); require.NoError(t, <-done) }()

	e.sendAll(t, messages(7), 70, 7)
	require.NoError(t, r.Settle(testCtx(t)))
	assert.Equal(t, int64(70), likes.Load(), "every like counted, none still in flight")
	s, err := counter.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, uint64(140), s.Position)
}
