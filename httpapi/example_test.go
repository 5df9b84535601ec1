package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/store/memstore"
)

// The API mounted under /api/ on the application's mux, next to its own
// routes. A service holding the sender role posts an event in ADSP's
// shape, a forged token is refused, and an anonymous reader of the log
// sees none of the event, which is its owner's alone.
func Example() {
	store, _ := memstore.New()
	bus, _ := membus.New()
	publisher, _ := herald.NewPublisher(store, bus)
	api, err := httpapi.New(publisher, httpapi.WithBus(bus),
		httpapi.WithAuthenticator(func(r *http.Request) (*herald.User, []string, error) {
			if r.Header.Get("Authorization") == "Bearer s3cret" {
				return &herald.User{ID: "forms-service"}, []string{httpapi.DefaultSenderRole}, nil
			}
			return nil, nil, nil // anonymous
		}))
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", api))
	web := httptest.NewServer(mux) // on 127.0.0.1
	defer web.Close()

	send := func(token, body string) {
		req, _ := http.NewRequest(http.MethodPost, web.URL+"/api/events", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println("POST /events:", resp.Status, resp.Header.Get("Content-Type"))
	}
	send("s3cret", `{"namespace":"forms","name":"submitted","payload":{"form":"42"},
		"aggregate":{"name":"form","id":"4c99d051-a526-4526-9cca-34f92a6c8c9d"}}`)
	send("wrong", `{"namespace":"forms","name":"submitted"}`)

	resp, err := http.Get(web.URL + "/api/events/stats")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("GET /events/stats without the reader role:", resp.Status)

	resp, err = http.Get(web.URL + "/api/events/log?after=0")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("GET /events/log: %s, %d lines (the event is its owner's alone)\n", resp.Status, strings.Count(string(body), "\n"))
	// Output:
	// POST /events: 201 Created application/json
	// POST /events: 401 Unauthorized application/problem+json
	// GET /events/stats without the reader role: 401 Unauthorized
	// GET /events/log: 200 OK, 0 lines (the event is its owner's alone)
}
