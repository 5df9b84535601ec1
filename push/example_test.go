package push_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/memstore"
)

// A stream of the messages' texts, served as server-sent events: each
// event comes with its position as id and its full name as event.
func Example() {
	ctx := context.Background()
	store, _ := memstore.New()
	bus, err := membus.New()
	if err != nil {
		panic(err)
	}
	// Events are their owner's alone unless their definition (or their
	// publisher) says otherwise: these are for everyone.
	registry, _ := herald.NewRegistry()
	_, err = herald.Define[map[string]string](registry, "communication", "message", "sent",
		herald.WithDefaultAuthorization(herald.Authorization{ForPublic: true}))
	if err != nil {
		panic(err)
	}
	publisher, err := herald.NewPublisher(store, bus, herald.WithRegistry(registry))
	if err != nil {
		panic(err)
	}
	server, err := push.New(ctx, store, bus)
	if err != nil {
		panic(err)
	}
	err = server.Register(push.Stream{
		ID:              "messages",
		Name:            "Messages",
		PublicSubscribe: true,
		Events: []push.StreamEvent{{
			Name: "communication.message.sent",
			Map:  map[string]string{"text": "data.text"},
		}},
	})
	if err != nil {
		panic(err)
	}
	web := httptest.NewServer(server) // on 127.0.0.1
	defer web.Close()

	// A browser would use new EventSource(".../streams/messages").
	resp, err := http.Get(web.URL + "/streams/messages")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.Header.Get("Content-Type"))

	message := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	_, err = publisher.Publish(ctx, herald.Event{Aggregate: message, Name: "sent", Data: map[string]string{"text": "hey, how are you?"}})
	if err != nil {
		panic(err)
	}
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && lines.Text() != "" {
		fmt.Println(lines.Text())
	}

	if err := server.Close(ctx); err != nil {
		panic(err)
	}
	// Output:
	// text/event-stream
	// id: 1
	// event: communication.message.sent
	// data: {"text":"hey, how are you?"}
}

// Streams are checked when they are registered: here the map asks for a
// field that the event's data type does not have.
func ExampleServer_Register() {
	registry, _ := herald.NewRegistry(herald.WithStrict())
	if _, err := herald.Define[Sent](registry, "communication", "message", "sent"); err != nil {
		panic(err)
	}
	bus, err := membus.New()
	if err != nil {
		panic(err)
	}
	store, _ := memstore.New()
	server, err := push.New(context.Background(), store, bus, push.WithRegistry(registry))
	if err != nil {
		panic(err)
	}
	defer server.Close(context.Background())

	err = server.Register(push.Stream{
		ID:              "messages",
		PublicSubscribe: true,
		Events: []push.StreamEvent{{
			Name: "communication.message.sent",
			Map:  map[string]string{"text": "data.body"},
		}},
	})
	fmt.Println(err)
	err = server.Register(push.Stream{
		ID:              "rooms",
		PublicSubscribe: true,
		Events:          []push.StreamEvent{{Name: "communication.room.*"}},
	})
	fmt.Println(err)
	// Output:
	// push: stream "messages": events[0]: map["text"]: "data.body" cannot exist in the data of communication.message.sent (push_test.Sent): invalid input
	// push: stream "rooms": events[0]: "communication.room.*" names no event defined in the strict registry: invalid input
}
