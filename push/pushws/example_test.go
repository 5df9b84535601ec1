package pushws_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushws"
	"github.com/herald-go/herald/store/memstore"
)

// A push stream of the messages' texts over WebSocket, next to the same
// stream as server-sent events: each event is one text message.
func Example() {
	ctx := context.Background()
	store, _ := memstore.New()
	bus, err := membus.New()
	if err != nil {
		panic(err)
	}
	publisher, err := herald.NewPublisher(store, bus)
	if err != nil {
		panic(err)
	}
	server, err := push.New(ctx, store, bus)
	if err != nil {
		panic(err)
	}
	defer server.Close(ctx)
	err = server.Register(push.Stream{
		ID:              "messages",
		PublicSubscribe: true,
		Events:          []push.StreamEvent{{Name: "communication.message.sent", Map: map[string]string{"text": "data.text"}}},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/push/", http.StripPrefix("/push", server))
	mux.Handle("/push/ws/", http.StripPrefix("/push/ws/", pushws.New(server, nil)))
	web := httptest.NewServer(mux) // on 127.0.0.1
	defer web.Close()

	// A browser would use new WebSocket("ws://…/push/ws/messages").
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(web.URL, "http")+"/push/ws/messages", nil)
	if err != nil {
		panic(err)
	}
	defer ws.CloseNow()
	// Once the stream is open, it gets what is published from then on.
	for st, _ := server.Status(ctx); st.Clients == 0; st, _ = server.Status(ctx) {
		time.Sleep(time.Millisecond)
	}

	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	sent := herald.Event{Aggregate: ref, Name: "sent", Data: map[string]string{"text": "hello"}}
	sent.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	if _, err := publisher.Publish(ctx, sent); err != nil {
		panic(err)
	}
	_, data, err := ws.Read(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
	// Output:
	// {"text":"hello"}
}
