package pushws_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushws"
	"github.com/herald-go/herald/store/memstore"
)

type fixture struct {
	publisher *herald.Publisher
	server    *push.Server
	url       string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store, _ := memstore.New()
	bus, err := membus.New()
	if err != nil {
		t.Fatal(err)
	}
	registry, _ := herald.NewRegistry()
	if _, err := herald.Define[map[string]string](registry, "communication", "message", "sent",
		herald.WithDefaultAuthorization(herald.Authorization{ForPublic: true})); err != nil {
		t.Fatal(err)
	}
	if _, err := herald.Define[map[string]string](registry, "communication", "message", "hidden"); err != nil {
		t.Fatal(err)
	}
	publisher, err := herald.NewPublisher(store, bus, herald.WithRegistry(registry))
	if err != nil {
		t.Fatal(err)
	}
	server, err := push.New(ctx, store, bus)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Register(push.Stream{ID: "messages", PublicSubscribe: true, Events: []push.StreamEvent{
		{Name: "communication.message.sent", Map: map[string]string{"text": "data.text"}},
		{Name: "communication.message.hidden"},
	}}); err != nil {
		t.Fatal(err)
	}
	web := httptest.NewServer(http.StripPrefix("/ws/", pushws.New(server, nil)))
	t.Cleanup(func() { _ = server.Close(ctx); web.Close() })
	return &fixture{publisher: publisher, server: server, url: "ws" + web.URL[len("http"):] + "/ws/messages"}
}

func (f *fixture) publish(t *testing.T, name, text string) {
	t.Helper()
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	if _, err := f.publisher.Publish(context.Background(), herald.Event{Aggregate: ref, Name: name, Data: map[string]string{"text": text}}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) clients(t *testing.T) int {
	t.Helper()
	st, err := f.server.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Clients
}

func TestWebSocketSendsMappedEventsTheClientMaySee(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, f.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for f.clients(t) == 0 {
		runtime.Gosched()
	}
	f.publish(t, "hidden", "secret")
	f.publish(t, "sent", "hello")
	_, data, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(data, &got); err != nil || got["text"] != "hello" {
		t.Fatalf("first message %s (%v), want the map of the public event", data, err)
	}
}

func TestWebSocketClientsThatGoLeaveNothingRunning(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	for range 20 {
		ws, _, err := websocket.Dial(ctx, f.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = ws.Close(websocket.StatusNormalClosure, "bye")
	}
	for f.clients(t) != 0 || runtime.NumGoroutine() > before+2 {
		runtime.Gosched()
	}
}

func TestWebSocketUnknownStreamIsRefusedBeforeTheUpgrade(t *testing.T) {
	f := newFixture(t)
	_, resp, err := websocket.Dial(context.Background(), f.url+"-none", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("dial of an unknown stream: %v, %v; want 404", resp, err)
	}
}
