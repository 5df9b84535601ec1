package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
)

// An upcaster that fails stops the projection on the event, as a failing
// handler does, and the error names the event and its position.
func TestFailingUpcasterStopsTheProjection(t *testing.T) {
	store := newMemstore(t)
	publisher, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	_, err = publisher.Publish(t.Context(), herald.Event{Aggregate: ref, Name: "sent", Data: map[string]string{"text": "hey"}})
	require.NoError(t, err)

	type SentV2 struct{ Body string }
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	boom := errors.New("boom")
	_, err = herald.Define[SentV2](r, "communication", "message", "sent", herald.WithVersion(2),
		herald.WithUpcast(1, func(json.RawMessage) (json.RawMessage, error) { return nil, boom }))
	require.NoError(t, err)
	called := false
	p, err := projection.New(projection.Config[*bool]{
		Name: "bodies", Store: store, Registry: r, Model: projection.Memory(&called),
		Retry: herald.RetryPolicy{MaxAttempts: 1},
		Handlers: []projection.Handler[*bool]{projection.On("communication.message.sent",
			func(_ context.Context, m *bool, _ herald.Event, _ SentV2) error { *m = true; return nil })},
		Reset: func(context.Context, *bool) error { return nil },
	})
	require.NoError(t, err)
	err = p.Rebuild(t.Context())
	var failed *engine.FailedError
	require.ErrorAs(t, err, &failed)
	var ue *herald.UpcastError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "communication.message.sent", ue.Event)
	assert.Equal(t, uint64(1), ue.Position)
	assert.ErrorIs(t, err, boom)
	assert.False(t, called, "the handler does not get the event")
}
