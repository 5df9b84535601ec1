package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
)

// The tokens the tests' authenticator knows.
const (
	tokenSender   = "alice-sends"   // alice, event-sender
	tokenBob      = "bob"           // bob, no role
	tokenCarol    = "carol"         // carol, no role
	tokenReader   = "ops-reads"     // ops, event-reader
	tokenOperator = "ops-operates"  // ops, event-operator
	tokenService  = "service-sends" // no user, event-sender
	tokenMonitor  = "monitor-reads" // no user, event-reader
)

// authenticate reads "Authorization: Bearer <token>": no header is
// anonymous, an unknown token an error.
func authenticate(r *http.Request) (*herald.User, []string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil, nil
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, nil, errors.New("not a bearer token")
	}
	switch token {
	case tokenSender:
		return &herald.User{ID: "alice"}, []string{httpapi.DefaultSenderRole}, nil
	case tokenBob:
		return &herald.User{ID: "bob"}, nil, nil
	case tokenCarol:
		return &herald.User{ID: "carol"}, nil, nil
	case tokenReader:
		return &herald.User{ID: "ops"}, []string{httpapi.DefaultReaderRole}, nil
	case tokenOperator:
		return &herald.User{ID: "ops"}, []string{httpapi.DefaultOperatorRole}, nil
	case tokenService:
		return nil, []string{httpapi.DefaultSenderRole}, nil
	case tokenMonitor:
		return nil, []string{httpapi.DefaultReaderRole}, nil
	}
	return nil, nil, errors.New("unknown token")
}

// env is an API over a memstore and a membus, served by httptest.
type env struct {
	t         *testing.T
	store     herald.Store
	bus       *membus.Bus
	publisher *herald.Publisher
	server    *httptest.Server
}

// newEnv serves the API over store (a fresh memstore when nil) with
// registry (none when nil).
func newEnv(t *testing.T, store herald.Store, registry *herald.Registry, options ...httpapi.Option) *env {
	t.Helper()
	return newEnvWith(t, store, registry, func(*env) []httpapi.Option { return options })
}

// newEnvWith is newEnv with the options that setup returns once the
// store, bus and publisher are made.
func newEnvWith(t *testing.T, store herald.Store, registry *herald.Registry, setup func(e *env) []httpapi.Option) *env {
	t.Helper()
	if store == nil {
		s, err := memstore.New()
		require.NoError(t, err)
		store = s
	}
	bus, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close(context.Background()) })
	var popts []herald.PublisherOption
	if registry != nil {
		popts = append(popts, herald.WithRegistry(registry))
	}
	p, err := herald.NewPublisher(store, bus, popts...)
	require.NoError(t, err)
	e := &env{t: t, store: store, bus: bus, publisher: p}
	options := append([]httpapi.Option{httpapi.WithAuthenticator(authenticate), httpapi.WithBus(bus)}, setup(e)...)
	api, err := httpapi.New(p, options...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", api))
	e.server = httptest.NewServer(mux)
	t.Cleanup(e.server.Close)
	return e
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the API's path with the token ("" for none).
func (e *env) do(method, path, token string, body []byte) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.server.URL+"/api"+path, bytes.NewReader(body))
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.server.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// post sends events as a JSON body.
func (e *env) post(token string, body any) answer {
	e.t.Helper()
	b, ok := body.([]byte)
	if !ok {
		var err error
		b, err = json.Marshal(body)
		require.NoError(e.t, err)
	}
	return e.do(http.MethodPost, "/events", token, b)
}

// problem is a problem document as a client reads it.
type problem struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  int    `json:"status"`
	Detail  string `json:"detail"`
	Field   string `json:"field"`
	Pointer string `json:"pointer"`
	Event   string `json:"event"`
	Errors  []struct {
		Field   string `json:"field"`
		Pointer string `json:"pointer"`
	} `json:"errors"`
}

// problemOf checks that a is a problem document of status, and returns it.
func problemOf(t *testing.T, a answer, status int) problem {
	t.Helper()
	require.Equal(t, status, a.status, "body: %s", a.body)
	assert.Equal(t, "application/problem+json", a.header.Get("Content-Type"))
	var p problem
	require.NoError(t, json.Unmarshal(a.body, &p), "body: %s", a.body)
	assert.Equal(t, status, p.Status)
	assert.NotEmpty(t, p.Type)
	assert.NotEmpty(t, p.Title)
	assert.NotEmpty(t, p.Detail)
	return p
}

// page is the answer of GET /events.
type page struct {
	Results []herald.Event `json:"results"`
	Page    struct {
		Size int    `json:"size"`
		Next string `json:"next"`
	} `json:"page"`
}

func (e *env) query(token, params string) page {
	e.t.Helper()
	a := e.do(http.MethodGet, "/events?"+params, token, nil)
	require.Equal(e.t, http.StatusOK, a.status, "body: %s", a.body)
	var p page
	require.NoError(e.t, json.Unmarshal(a.body, &p))
	require.Equal(e.t, len(p.Results), p.Page.Size)
	return p
}

// eventCount is how many events the store holds.
func (e *env) eventCount() uint64 {
	e.t.Helper()
	st, err := e.store.Stats(context.Background())
	require.NoError(e.t, err)
	return st.Events
}

// envelope is an event in wolkenkit's shape, to send.
func envelope(context, aggregate, name string, data any) map[string]any {
	return map[string]any{
		"context":   map[string]any{"name": context},
		"aggregate": map[string]any{"name": aggregate, "id": uuid.NewString()},
		"name":      name,
		"data":      data,
	}
}

// publish stores events directly, as the application would.
func (e *env) publish(ctx context.Context, events ...herald.Event) []herald.Event {
	e.t.Helper()
	stored, err := e.publisher.PublishBatch(ctx, events)
	require.NoError(e.t, err)
	return stored
}

// event is an event of communication.message.name, with labels.
func event(name string, a *herald.Authorization, labels map[string]string) herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      name, Data: map[string]string{"text": name},
		Metadata: herald.Metadata{Authorization: a, Labels: labels},
	}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(b, v), "body: %s", b)
}

func newBenchServer(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}
