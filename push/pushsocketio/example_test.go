package pushsocketio_test

import (
	"context"
	"log"
	"net/http"

	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushsocketio"
	"github.com/herald-go/herald/store/memstore"
)

// Serve a push server's streams to socket.io clients at /socket.io/,
// next to server-sent events at /push/. A client of tenant acme joins the
// stream messages with io("http://localhost:8080/acme?stream=messages")
// and listens with socket.on("communication.message:sent", …); it gets
// the events labelled tenant=acme only.
func Example() {
	ctx := context.Background()
	store, _ := memstore.New()
	bus, err := membus.New()
	if err != nil {
		log.Fatal(err)
	}
	server, err := push.New(ctx, store, bus)
	if err != nil {
		log.Fatal(err)
	}
	err = server.Register(push.Stream{
		ID:              "messages",
		PublicSubscribe: true,
		Events:          []push.StreamEvent{{Name: "communication.message.sent", Map: map[string]string{"text": "data.text"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	sockets, err := pushsocketio.New(server)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/push/", http.StripPrefix("/push", server))
	mux.Handle("/socket.io/", sockets)
	web := &http.Server{Addr: "localhost:8080", Handler: mux}
	// Close the socket.io server and the push server before Shutdown,
	// which would wait for streams that never end.
	web.RegisterOnShutdown(func() {
		_ = sockets.Close(context.Background())
		_ = server.Close(context.Background())
	})
	_ = web // web.ListenAndServe() serves until web.Shutdown
}
