package projection_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTheRegistryIsGivenOnce gives a strict registry to the publisher
// only: the store decodes with it, and projections, flows and a push
// server over the store check against it.
func TestTheRegistryIsGivenOnce(t *testing.T) {
	ctx := testCtx(t)
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), boltstore.WithNoSync())
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	reg := newRegistry(t, herald.WithStrict())
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(reg))
	require.NoError(t, err)
	assert.Same(t, reg, store.Registry(), "the publisher gave the store its registry")

	_, err = p.Publish(ctx, herald.Event{Aggregate: messages(1)[0], Name: "sent", Data: Sent{Text: "hey"}})
	require.NoError(t, err)
	for e, err := range store.ReadLog(ctx, 0) {
		require.NoError(t, err)
		_, raw := e.Data.(json.RawMessage)
		assert.False(t, raw, "data read back in its Go type, not as JSON")
		assert.Equal(t, Sent{Text: "hey"}, e.Data)
	}

	type model struct{}
	_, err = projection.New(projection.Config[*model]{
		Name: "p", Store: store, Model: projection.Memory(&model{}),
		Handlers: []projection.Handler[*model]{projection.On("communication.room.opened",
			func(context.Context, *model, herald.Event, Sent) error { return nil })},
		Reset: func(context.Context, *model) error { return nil },
	})
	assert.ErrorIs(t, err, herald.ErrInvalid, "a projection checks against the store's registry")
	_, err = projection.NewFlow(projection.FlowConfig{
		Name: "f", Store: store,
		Reactions: []projection.Reaction{projection.When("communication.message.sent",
			func(context.Context, herald.Event, Liked) error { return nil })},
	})
	assert.ErrorIs(t, err, herald.ErrInvalid, "so does a flow: the reaction's type is not the defined one")

	server, err := push.New(ctx, store, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = server.Close(context.Background()) })
	err = server.Register(push.Stream{ID: "rooms", PublicSubscribe: true,
		Events: []push.StreamEvent{{Name: "communication.room.opened"}}})
	assert.ErrorIs(t, err, herald.ErrInvalid, "a push server checks its streams against it")

	other, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	assert.Same(t, reg, other.Registry(), "a publisher made without one takes the store's")
}
