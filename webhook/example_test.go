package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/webhook"
)

func Example() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"name":"messageSent"}`)
	header := webhook.Sign("7f1c7d4e-0000-4000-8000-000000000001", time.Now(), body, secret)
	fmt.Println(webhook.Verify(secret.String(), header, body))
	fmt.Println(webhook.Verify(secret.String(), header, []byte(`{"name":"forged"}`)))
	// Output:
	// <nil>
	// webhook: verify: no v1 signature matches: signature mismatch
}

// A dispatcher delivers each event of a subscription's types to its
// service, signed; the service verifies the signature.
func ExampleDispatcher() {
	ctx := context.Background()
	store, _ := memstore.New()
	defer store.Close()
	bus, _ := membus.New()
	defer bus.Close(ctx)
	publisher, _ := herald.NewPublisher(store, bus)

	secret := webhook.NewSecret().String()
	received := make(chan string, 1)
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e herald.Event
		_ = json.Unmarshal(body, &e)
		received <- e.FullName()
	}))
	defer service.Close()

	d, err := webhook.NewDispatcher(store, bus)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = d.Create(ctx, webhook.Subscription{
		Service:    webhook.Service{Name: service.URL, Version: "1.0.0"},
		EventTypes: []string{"communication.message.*"},
		Secret:     secret,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()

	message := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	if _, err := publisher.Publish(ctx, herald.Event{Aggregate: message, Name: "sent"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-received)
	stop()
	fmt.Println(<-done)
	// Output:
	// communication.message.sent
	// <nil>
}

// A subscription whose URL is not http(s) is refused with the field.
func ExampleDispatcher_Create() {
	store, _ := memstore.New()
	defer store.Close()
	d, _ := webhook.NewDispatcher(store, nil)
	_, err := d.Create(context.Background(), webhook.Subscription{
		Service:    webhook.Service{Name: "ftp://files.example.com/"},
		EventTypes: []string{"*.*.*"},
	})
	fmt.Println(err)
	// Output:
	// webhook: check subscription: service.name: check service: name "ftp://files.example.com/" is not an http(s) URL: invalid input
}
