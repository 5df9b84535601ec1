package driver_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/store/memstore"
)

// TestCauseContextsMakesWithCausesContexts checks that each context made
// by a CauseContexts, across more than one of its runs, carries its own
// event as ContextWithCause's does: as CauseFrom, and as the cause of the
// events published with it.
func TestCauseContextsMakesWithCausesContexts(t *testing.T) {
	store, err := memstore.New()
	require.NoError(t, err)
	publisher, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	caused := herald.Event{Aggregate: ref, Name: "caused"}
	events := make([]herald.Event, 300)
	for i := range events {
		events[i] = sentEvent()
		events[i].ID = uuid.New()
		if i%3 == 1 {
			events[i].Metadata.CorrelationID = uuid.New()
		}
	}
	var causes driver.CauseContexts
	ctxs := make([]context.Context, len(events))
	for i := range events {
		ctxs[i] = causes.For(context.Background(), &events[i])
	}
	for i, ctx := range ctxs {
		require.Same(t, &events[i], driver.CauseFrom(ctx))
		if i%50 != 0 && i%3 != 1 {
			continue
		}
		got, err := publisher.Publish(ctx, caused)
		require.NoError(t, err)
		wanted, err := publisher.Publish(herald.ContextWithCause(context.Background(), &events[i]), caused)
		require.NoError(t, err)
		assert.Equal(t, events[i].ID, got.Metadata.CausationID, "event %d", i)
		assert.Equal(t, wanted.Metadata.CorrelationID, got.Metadata.CorrelationID, "event %d", i)
		assert.Equal(t, events[i].User, got.User, "event %d", i)
	}
}
