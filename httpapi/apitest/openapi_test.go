package apitest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/webhook"
)

// loadDocument loads and validates the document as OpenAPI 3.1.
func loadDocument(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI())
	require.NoError(t, err)
	require.True(t, doc.IsOpenAPI31OrLater(), "the document is OpenAPI 3.1")
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	return doc
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc := loadDocument(t)
	for _, path := range []string{"/events", "/events/stats", "/events/log", "/definitions", "/subscriptions",
		"/consumers", "/consumers/{name}/dead-letters", "/consumers/{name}/dead-letters/{id}/replay",
		"/consumers/{name}/dead-letters/{id}", "/streams/{id}", "/openapi.json", "/subscriptions/{id}",
		"/subscriptions/{id}/secret", "/subscriptions/{id}/dead-letters", "/subscriptions/{id}/dead-letters/{event}/replay",
		"/subscriptions/{id}/dead-letters/{event}"} {
		assert.NotNil(t, doc.Paths.Value(path), "the document describes %s", path)
	}
}

func TestDocumentRefusesWhatIsWrong(t *testing.T) {
	// The validator is not a rubber stamp: a broken reference fails.
	broken := bytes.Replace(httpapi.OpenAPI(), []byte(`"#/components/schemas/Stats"`), []byte(`"#/components/schemas/Nope"`), 1)
	doc, err := openapi3.NewLoader().LoadFromData(broken)
	if err == nil {
		err = doc.Validate(context.Background())
	}
	assert.Error(t, err)
}

// authenticate knows three bearer tokens: a sender, a reader and an
// operator.
func authenticate(r *http.Request) (*herald.User, []string, error) {
	switch r.Header.Get("Authorization") {
	case "":
		return nil, nil, nil
	case "Bearer send":
		return &herald.User{ID: "alice"}, []string{httpapi.DefaultSenderRole}, nil
	case "Bearer read":
		return &herald.User{ID: "ops"}, []string{httpapi.DefaultReaderRole}, nil
	case "Bearer operate":
		return &herald.User{ID: "ops"}, []string{httpapi.DefaultOperatorRole}, nil
	}
	return nil, nil, errors.New("unknown token")
}

// api serves the handler, at the root as the document's paths are, over
// a memstore and a membus, with a durable subscription that dead-letters
// events named "poison".
func api(t *testing.T) (*httptest.Server, *durable.Subscription) {
	t.Helper()
	store, err := memstore.New()
	require.NoError(t, err)
	bus, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close(context.Background()) })
	registry, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[struct{ Text string }](registry, "communication", "message", "defined",
		herald.WithDescription("Defined."), herald.WithSample(struct{ Text string }{"hi"}))
	require.NoError(t, err)
	p, err := herald.NewPublisher(store, bus, herald.WithRegistry(registry))
	require.NoError(t, err)
	var failing atomic.Bool
	failing.Store(true)
	d, err := durable.New(durable.Config{Store: store, Bus: bus, Retry: herald.RetryPolicy{MaxAttempts: 1},
		Subscription: herald.Subscription{Name: "mailer", Handler: herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
			if e.Name == "poison" && failing.Load() {
				return errors.New("refused")
			}
			return nil
		})}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	hooks, err := webhook.NewDispatcher(store, bus)
	require.NoError(t, err)
	hooksCtx, stopHooks := context.WithCancel(context.Background())
	hooksDone := make(chan struct{})
	go func() { defer close(hooksDone); _ = hooks.Run(hooksCtx) }()
	t.Cleanup(func() { stopHooks(); <-hooksDone })
	h, err := httpapi.New(p, httpapi.WithAuthenticator(authenticate), httpapi.WithBus(bus), httpapi.WithConsumers(d),
		httpapi.WithWebhooks(hooks))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, d
}

// exchange is one request of the test and the status it expects.
type exchange struct {
	method, path, token, body string
	status                    int
}

func TestAnswersMatchTheDocument(t *testing.T) {
	doc := loadDocument(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
	srv, d := api(t)

	send := exchange{"POST", "/events", "send", `[{"context":{"name":"communication"},"aggregate":{"name":"message","id":"` +
		uuid.NewString() + `"},"name":"poison","data":{"text":"x"},"metadata":{"labels":{"a":"b"}}},` +
		`{"namespace":"forms","name":"submitted","timestamp":"2026-12-03T09:00:00Z","correlationId":"c-1","context":{"n":1},"payload":{"ok":true}}]`, 201}
	run(t, router, srv, send)
	require.NoError(t, d.Wait(context.Background(), 2))
	stored := run(t, router, srv, exchange{"GET", "/events?top=1&order=asc", "read", "", 200})
	poison := between(string(stored), `"name":"poison","id":"`, `"`)
	require.NotEmpty(t, poison)

	for _, x := range []exchange{
		{"POST", "/events", "send", `{"namespace":"forms","name":"one"}`, 201},
		{"POST", "/events", "send", `{"name":`, 400},
		{"POST", "/events", "send", `{"context":{"name":"a"},"aggregate":{"name":"b","id":"` + uuid.NewString() + `"},"name":""}`, 422},
		{"POST", "/events", "", `{"namespace":"forms","name":"one"}`, 401},
		{"POST", "/events", "read", `{"namespace":"forms","name":"one"}`, 403},
		{"GET", "/events?name=communication.message.*&label=a:b&timestampMin=2020-01-01T00:00:00Z", "read", "", 200},
		{"GET", "/events?timestampMin=yesterday", "read", "", 400},
		{"GET", "/events/stats", "read", "", 200},
		{"GET", "/events/log?after=0", "read", "", 200},
		{"GET", "/definitions", "", "", 200},
		{"GET", "/subscriptions", "read", "", 200},
		{"GET", "/consumers", "read", "", 200},
		{"GET", "/consumers/mailer/dead-letters", "read", "", 200},
		{"POST", "/consumers/mailer/dead-letters/" + poison + "/replay", "operate", "", 502},
		{"DELETE", "/consumers/mailer/dead-letters/" + poison, "operate", "", 204},
		{"DELETE", "/consumers/mailer/dead-letters/" + poison, "operate", "", 404},
		{"GET", "/openapi.json", "", "", 200},
	} {
		run(t, router, srv, x)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(receiver.Close)
	sub := `{"id":"hooks-1","service":{"name":"` + receiver.URL + `","version":"1.0.0"},"eventTypes":["communication.message.*"]}`
	hook := "/subscriptions/hooks-1"
	missing := uuid.NewString()
	for _, x := range []exchange{
		{"POST", "/subscriptions", "operate", sub, 201},
		{"POST", "/subscriptions", "operate", sub, 409},
		{"POST", "/subscriptions", "read", sub, 403},
		{"POST", "/subscriptions", "operate", `{"service":{"name":"ftp://x.example/"},"eventTypes":["a.b.c"]}`, 400},
		{"POST", "/subscriptions", "operate", `{"service":{"name":"https://x.example/"},"eventTypes":["a.b.c"],"secret":"plain"}`, 400},
		{"GET", "/subscriptions", "read", "", 200},
		{"GET", hook, "read", "", 200},
		{"GET", "/subscriptions/nope", "read", "", 404},
		{"PATCH", hook, "operate", `{"paused":true}`, 200},
		{"PATCH", hook, "operate", `{"paused":false}`, 200},
		{"PATCH", hook, "read", `{"paused":false}`, 403},
		{"POST", hook + "/secret", "operate", "", 200},
		{"POST", hook + "/secret", "operate", `{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, 200},
		{"POST", hook + "/secret", "operate", `{"secret":"plain"}`, 400},
		{"GET", hook + "/dead-letters", "read", "", 200},
		{"POST", hook + "/dead-letters/" + missing + "/replay", "operate", "", 404},
		{"DELETE", hook + "/dead-letters/" + missing, "operate", "", 404},
		{"DELETE", hook, "operate", "", 204},
		{"DELETE", hook, "operate", "", 404},
	} {
		run(t, router, srv, x)
	}
}

// run sends x, checks its request and answer against the document, and
// returns the answer's body.
func run(t *testing.T, router routers.Router, srv *httptest.Server, x exchange) []byte {
	t.Helper()
	var body io.Reader
	if x.body != "" {
		body = strings.NewReader(x.body)
	}
	req, err := http.NewRequest(x.method, srv.URL+x.path, body)
	require.NoError(t, err)
	if x.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if x.token != "" {
		req.Header.Set("Authorization", "Bearer "+x.token)
	}
	route, params, err := router.FindRoute(req)
	require.NoError(t, err, "%s %s is in the document", x.method, x.path)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if x.status < 400 {
		require.NoError(t, openapi3filter.ValidateRequest(context.Background(), in), "%s %s: the request", x.method, x.path)
		if x.body != "" { // ValidateRequest read it
			req.Body = io.NopCloser(strings.NewReader(x.body))
		}
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, x.status, resp.StatusCode, "%s %s: %s", x.method, x.path, b)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(b)
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), out), "%s %s: the answer %s", x.method, x.path, b)
	return b
}

// between returns what s holds between the first before and the after
// that follows it.
func between(s, before, after string) string {
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, after)
	return v
}
