package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
)

// FuzzPostEvents sends any body to POST /events: the answer is 201, or a
// 4xx problem document and nothing stored; never a panic or a 5xx.
func FuzzPostEvents(f *testing.F) {
	for _, seed := range []string{
		`{"context":{"name":"communication"},"aggregate":{"name":"message","id":"0b866be9-f83c-4501-a54f-fa3facb582c5"},"name":"sent","data":{"text":"hey"}}`,
		`[{"namespace":"forms","name":"done","timestamp":"2026-12-03T09:00:00Z","correlationId":"c","context":{"a":1},"payload":null}]`,
		`{"namespace":"forms","name":"done","timestamp":1421260133331,"aggregate":{"name":"form"}}`,
		`{"context":{"name":"a"},"aggregate":{"name":"b","id":"x"},"name":"c","metadata":{"timestamp":"noon","revision":-1}}`,
		`[1,{"user":null,"metadata":{"labels":{"k":"v"},"isAuthorized":{"forPublic":true}}}]`,
		`{"name":`, ``, `null`, `[]`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		store, err := memstore.New()
		require.NoError(t, err)
		p, err := herald.NewPublisher(store, nil)
		require.NoError(t, err)
		h, err := httpapi.New(p, httpapi.WithAuthenticator(authenticate), httpapi.WithMaxBody(4096))
		require.NoError(t, err)
		req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenSender)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		stats, err := store.Stats(context.Background())
		require.NoError(t, err)
		switch {
		case w.Code == http.StatusCreated:
			require.NotZero(t, stats.Events)
		case w.Code >= 400 && w.Code < 500:
			require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
			require.Zero(t, stats.Events, "a refused body stores nothing")
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body)
		}
	})
}

// FuzzQuery sends any query string to GET /events and GET /events/log:
// the answer is 200 or a 400 problem document; never a panic or a 5xx.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"top=1&cursor=AQEC", "name=*.*.sent&label=a:b&timestampMin=2026-12-03T09:00:00Z&order=asc",
		"correlationId=x&timestampMax=yesterday", "cursor=AAAAAAAAAAABAQI", "after=3&follow=false", "%zz",
	} {
		f.Add(seed)
	}
	store, err := memstore.New()
	require.NoError(f, err)
	p, err := herald.NewPublisher(store, nil)
	require.NoError(f, err)
	_, err = p.PublishBatch(context.Background(), []herald.Event{event("sent", nil, nil), event("liked", nil, nil)})
	require.NoError(f, err)
	h, err := httpapi.New(p)
	require.NoError(f, err)
	// A log that follows ends with its client: this one has gone already.
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/events", "/events/log"} {
			req := httptest.NewRequestWithContext(gone, http.MethodGet, "/", nil)
			if path == "/events" {
				req = req.WithContext(context.Background())
			}
			req.URL.Path, req.URL.RawQuery = path, query
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
				t.Fatalf("GET %s?%s: status %d: %s", path, query, w.Code, w.Body)
			}
		}
	})
}
