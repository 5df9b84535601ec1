package main_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
)

// The tokens the tests' authenticator knows, one for each role of the
// HTTP API.
const (
	tokenSender   = "ops-sends"
	tokenReader   = "ops-reads"
	tokenOperator = "ops-operates"
)

// roleOfToken is the role each token gives.
var roleOfToken = map[string]string{
	tokenSender:   httpapi.DefaultSenderRole,
	tokenReader:   httpapi.DefaultReaderRole,
	tokenOperator: httpapi.DefaultOperatorRole,
}

// authenticate reads "Authorization: Bearer <token>", as an application
// would: no header is anonymous, an unknown token an error.
func authenticate(r *http.Request) (*herald.User, []string, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, nil, nil
	}
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return nil, nil, errors.New("not a bearer token")
	}
	role, ok := roleOfToken[token]
	if !ok {
		return nil, nil, errors.New("unknown token")
	}
	return &herald.User{ID: "ops"}, []string{role}, nil
}

// api is a running httpapi.Handler over a publisher on a memstore and a
// membus, mounted under /api as an application may mount it.
type api struct {
	store     *memstore.Store
	bus       *membus.Bus
	publisher *herald.Publisher
	url       string
	// cutStreams makes the server end every answer after its first
	// lines, as a restart of the application would end a followed
	// stream.
	cutStreams atomic.Bool
}

// newAPI serves the API over a store holding events, with the options
// that setup returns once the store, bus and publisher are made (setup
// may be nil).
func newAPI(t *testing.T, events []herald.Event, setup func(a *api) []httpapi.Option) *api {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	appendAll(t, s, events)
	bus, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close(context.Background()) })
	p, err := herald.NewPublisher(s, bus)
	require.NoError(t, err)
	a := &api{store: s, bus: bus, publisher: p}
	options := []httpapi.Option{httpapi.WithAuthenticator(authenticate), httpapi.WithBus(bus)}
	if setup != nil {
		options = append(options, setup(a)...)
	}
	handler, err := httpapi.New(p, options...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", handler))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cutStreams.Load() {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			w, r = &cuttingWriter{ResponseWriter: w, cut: cancel}, r.WithContext(ctx)
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	a.url = srv.URL + "/api"
	return a
}

// cuttingWriter ends its request, by cancelling its context, once a
// complete line is written.
type cuttingWriter struct {
	http.ResponseWriter
	cut func()
}

func (w *cuttingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	if bytes.IndexByte(b[:n], '\n') >= 0 {
		w.cut()
	}
	return n, err
}

// Unwrap lets http.ResponseController flush the writer underneath.
func (w *cuttingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
