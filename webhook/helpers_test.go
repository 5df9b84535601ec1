package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/require"
)

// testSecret is a secret of the tests.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is a test service that verifies and records deliveries, and
// answers with status while it is not 2xx.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	got    []herald.Event
	status int
	bad    int // deliveries whose signature did not verify
	header http.Header
	body   []byte // of the last request
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, status: http.StatusNoContent}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.header, r.body = req.Header.Clone(), body
	if err := webhook.Verify(testSecret, req.Header, body); err != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.status >= 300 {
		w.WriteHeader(r.status)
		_, _ = w.Write([]byte("not now"))
		return
	}
	var e herald.Event
	if err := json.Unmarshal(body, &e); err != nil || e.ID.String() != req.Header.Get(webhook.HeaderID) {
		r.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.got = append(r.got, e)
	w.WriteHeader(r.status)
}

func (r *receiver) setStatus(s int) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

// last returns the header and body of the last request.
func (r *receiver) last() (http.Header, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header, r.body
}

func (r *receiver) events() []herald.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]herald.Event(nil), r.got...)
}

// eventually waits, with a generous deadline, for cond.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// app is a store, a bus and a publisher.
type app struct {
	store     *memstore.Store
	bus       *membus.Bus
	publisher *herald.Publisher
}

func newApp(t testing.TB) *app {
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	bus, err := membus.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Close(context.Background()) })
	p, err := herald.NewPublisher(store, bus)
	require.NoError(t, err)
	return &app{store: store, bus: bus, publisher: p}
}

func (a *app) publish(t testing.TB, name string, data any) herald.Event {
	t.Helper()
	e, err := a.publisher.Publish(context.Background(), herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      name, Data: data,
	})
	require.NoError(t, err)
	return e
}

// run runs d until the test ends, and checks that Run returned nil.
func run(t testing.TB, d *webhook.Dispatcher) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	return stop
}

// fast is the options of the tests: short retries and timeouts.
func fast(extra ...webhook.Option) []webhook.Option {
	return append([]webhook.Option{webhook.WithSchedule(10*time.Millisecond, 20*time.Millisecond),
		webhook.WithTimeout(2 * time.Second)}, extra...)
}

func subscribe(t testing.TB, d *webhook.Dispatcher, url string, types ...string) webhook.Subscription {
	t.Helper()
	if len(types) == 0 {
		types = []string{"communication.message.*"}
	}
	s, err := d.Create(context.Background(), webhook.Subscription{
		Service: webhook.Service{Name: url, Version: "1.0.0"}, EventTypes: types, Secret: testSecret})
	require.NoError(t, err)
	return s
}

// running is an app with a receiver answering status and a running
// dispatcher with one subscription to it.
type running struct {
	*app
	rcv *receiver
	d   *webhook.Dispatcher
	sub webhook.Subscription
}

func start(t testing.TB, status int, opts ...webhook.Option) running {
	t.Helper()
	r := running{app: newApp(t), rcv: newReceiver(t)}
	r.rcv.setStatus(status)
	d, err := webhook.NewDispatcher(r.store, r.bus, opts...)
	require.NoError(t, err)
	r.d, r.sub = d, subscribe(t, d, r.rcv.srv.URL)
	run(t, d)
	return r
}
