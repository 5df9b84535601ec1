package pgstore_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/webhook"
)

// TestMigratesASchemaOfVersionOne takes a schema back to version 1, as an
// older release left it, and checks that opening it adds the
// subscriptions.
func TestMigratesASchemaOfVersionOne(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	execIn(t, s, "DROP TABLE "+pgx.Identifier{schema, "subscriptions"}.Sanitize())
	execIn(t, s, "UPDATE "+pgx.Identifier{schema, "meta"}.Sanitize()+" SET version = 1")
	again := openIn(t, schema)
	var version int
	require.NoError(t, again.Pool().QueryRow(t.Context(), "SELECT version FROM "+pgx.Identifier{schema, "meta"}.Sanitize()).Scan(&version))
	assert.Equal(t, pgstore.SchemaVersion, version)
	require.NoError(t, again.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: "x", Data: []byte("{}")}))
}

// TestWebhooksOnPostgreSQL makes a subscription, reopens the store and
// checks that a dispatcher over it delivers an event published while
// nothing ran.
func TestWebhooksOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	var got atomic.Int64
	secret := webhook.NewSecret()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if webhook.Verify(secret.String(), r.Header, body) == nil {
			got.Add(1)
		}
	}))
	defer rcv.Close()
	first := openIn(t, schema)
	d, err := webhook.NewDispatcher(first, nil)
	require.NoError(t, err)
	sub, err := d.Create(ctx, webhook.Subscription{Service: webhook.Service{Name: rcv.URL, Version: "1.0.0"},
		EventTypes: []string{"*.*.*"}, Secret: secret.String()})
	require.NoError(t, err)
	p, err := herald.NewPublisher(first, nil)
	require.NoError(t, err)
	_, err = p.Publish(ctx, herald.Event{Aggregate: herald.AggregateRef{Context: "a", Name: "b", ID: uuid.New()}, Name: "c"})
	require.NoError(t, err)
	require.NoError(t, first.Close())

	s := openIn(t, schema)
	d, err = webhook.NewDispatcher(s, nil, webhook.WithPollInterval(10*time.Millisecond))
	require.NoError(t, err)
	list, err := d.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, sub.ID, list[0].ID)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	deadline := time.Now().Add(20 * time.Second)
	for got.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	require.NoError(t, <-done)
	assert.EqualValues(t, 1, got.Load())
}
