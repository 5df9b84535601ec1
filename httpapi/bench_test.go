package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
)

// benchAPI serves the API over a memstore without a bus.
func benchAPI(b *testing.B) (*env, *herald.Publisher) {
	store, err := memstore.New()
	require.NoError(b, err)
	p, err := herald.NewPublisher(store, nil)
	require.NoError(b, err)
	h, err := httpapi.New(p, httpapi.WithAuthenticator(authenticate), httpapi.WithMaxBody(64<<20))
	require.NoError(b, err)
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", h))
	e := &env{store: store, publisher: p}
	e.server = newBenchServer(b, mux)
	return e, p
}

// BenchmarkPostBatch sends batches of 1,000 envelopes by POST /events.
func BenchmarkPostBatch(b *testing.B) {
	e, _ := benchAPI(b)
	batch := make([]map[string]any, 1000)
	for i := range batch {
		batch[i] = envelope("communication", "message", "sent", map[string]any{"text": "hey, how are you?"})
	}
	body, err := json.Marshal(batch)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/api/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenSender)
		resp, err := e.server.Client().Do(req)
		require.NoError(b, err)
		resp.Body.Close()
		require.Equal(b, http.StatusCreated, resp.StatusCode)
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkLogExport reads a log of 100,000 events as NDJSON from
// GET /events/log, as an export does.
func BenchmarkLogExport(b *testing.B) {
	e, p := benchAPI(b)
	const n = 100_000
	for i := 0; i < n; i += 1000 {
		events := make([]herald.Event, 1000)
		for j := range events {
			events[j] = herald.Event{Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
				Name: "sent", Data: json.RawMessage(`{"text":"hey, how are you?"}`)}
		}
		_, err := p.PublishBatch(context.Background(), events)
		require.NoError(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, e.server.URL+"/api/events/log", nil)
		req.Header.Set("Authorization", "Bearer "+tokenReader)
		resp, err := e.server.Client().Do(req)
		require.NoError(b, err)
		lines := bufio.NewScanner(resp.Body)
		count := 0
		for lines.Scan() {
			count++
		}
		resp.Body.Close()
		require.Equal(b, n, count)
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}
