package pgstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

type parcel struct {
	Weight int `json:"weight" jsonschema:"minimum=1"`
}

type shipped struct {
	Parcels []parcel `json:"parcels"`
}

// JSON data that its schema refuses is not stored, nor any event of its
// batch; data it accepts is stored as given.
func TestRawDataAgainstItsSchema(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[shipped](r, "shop", "order", "shipped")
	require.NoError(t, err)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(r))
	require.NoError(t, err)
	event := func(data string) herald.Event {
		return herald.Event{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
			Name: "shipped", Data: json.RawMessage(data)}
	}

	_, err = p.PublishBatch(ctx, []herald.Event{event(`{"parcels":[{"weight":2}]}`), event(`{"parcels":[{"weight":1},{"weight":0}]}`)})
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "event shop.order.shipped: data: /parcels/1/weight: must be >= 1")
	stats, err := store.Stats(ctx)
	require.NoError(t, err)
	assert.Zero(t, stats.Events, "nothing of the batch is stored")

	stored, err := p.Publish(ctx, event(`{"parcels":[{"weight":2}]}`))
	require.NoError(t, err)
	var read []herald.Event
	for e, err := range store.ReadLog(ctx, 0) {
		require.NoError(t, err)
		read = append(read, e)
	}
	require.Len(t, read, 1)
	assert.Equal(t, stored.ID, read[0].ID)
	data, err := json.Marshal(read[0].Data)
	require.NoError(t, err)
	assert.JSONEq(t, `{"parcels":[{"weight":2}]}`, string(data))
}
