package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/memstore"
)

// A durable subscription's dead letters are reached through it.
var _ httpapi.DeadLetterConsumer = (*durable.Subscription)(nil)

type sent struct {
	Text string `json:"text"`
}

func TestDefinitions(t *testing.T) {
	registry, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[sent](registry, "communication", "message", "sent",
		herald.WithDescription("A message was sent."), herald.WithVersion(2), herald.WithSample(sent{Text: "hi"}),
		herald.WithDefaultAuthorization(herald.Authorization{ForAuthenticated: true}))
	require.NoError(t, err)
	e := newEnv(t, nil, registry)

	a := e.do(http.MethodGet, "/definitions", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	var got struct {
		Definitions []struct {
			Name, Context, Aggregate, Event, Description string
			Version                                      int
			Sample                                       map[string]string
			IsAuthorized                                 herald.Authorization
			Schema                                       struct {
				Type     string
				Required []string
			}
		}
	}
	decode(t, a.body, &got)
	require.Len(t, got.Definitions, 1)
	d := got.Definitions[0]
	assert.Equal(t, "communication.message.sent", d.Name)
	assert.Equal(t, []string{"communication", "message", "sent"}, []string{d.Context, d.Aggregate, d.Event})
	assert.Equal(t, "A message was sent.", d.Description)
	assert.Equal(t, 2, d.Version)
	assert.Equal(t, map[string]string{"text": "hi"}, d.Sample)
	assert.True(t, d.IsAuthorized.ForAuthenticated)
	assert.Equal(t, "object", d.Schema.Type)
	assert.Equal(t, []string{"text"}, d.Schema.Required)
}

func TestSubscriptions(t *testing.T) {
	e := newEnv(t, nil, nil)
	require.NoError(t, e.bus.Subscribe(herald.Subscription{Name: "mailer", Events: []string{"communication.message.*"},
		Handler: herald.HandlerFunc(func(context.Context, herald.Event) error { return nil }), Sync: true}))
	e.publish(context.Background(), event("sent", nil, nil))

	a := e.do(http.MethodGet, "/subscriptions", tokenReader, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var got struct {
		Subscriptions []struct {
			Name, Events, State string
			Delivered           uint64
		}
	}
	decode(t, a.body, &got)
	require.Len(t, got.Subscriptions, 1)
	s := got.Subscriptions[0]
	assert.Equal(t, "mailer", s.Name)
	assert.Equal(t, "communication.message.*", s.Events)
	assert.Equal(t, "live", s.State)
	assert.Equal(t, uint64(1), s.Delivered)
	problemOf(t, e.do(http.MethodGet, "/subscriptions", tokenBob, nil), http.StatusForbidden)
}

// failingConsumer runs a durable subscription whose handler fails on the
// event named "poison" while poisoned is true, once.
func failingConsumer(t *testing.T, e *env, poisoned *atomic.Bool) *durable.Subscription {
	t.Helper()
	d, err := durable.New(durable.Config{
		Store: e.store, Bus: e.bus, Retry: herald.RetryPolicy{MaxAttempts: 1},
		Subscription: herald.Subscription{Name: "mailer", Handler: herald.HandlerFunc(func(_ context.Context, ev herald.Event) error {
			if ev.Name == "poison" && poisoned.Load() {
				return errors.New("the mail server refused it")
			}
			return nil
		})},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

func TestConsumersAndDeadLetters(t *testing.T) {
	var poisoned atomic.Bool
	poisoned.Store(true)
	var d *durable.Subscription
	e := newEnvWith(t, nil, nil, func(e *env) []httpapi.Option {
		d = failingConsumer(t, e, &poisoned)
		return []httpapi.Option{httpapi.WithConsumers(d)}
	})
	ctx := context.Background()
	stored := e.publish(ctx, event("fine", nil, nil), event("poison", nil, nil), event("fine", nil, nil))
	require.NoError(t, d.Wait(ctx, stored[2].Metadata.Position))

	a := e.do(http.MethodGet, "/consumers", tokenReader, nil)
	require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
	var consumers struct {
		Consumers []struct {
			Name, State                     string
			Position, Checkpoint, Head, Lag uint64
			Delivered, DeadLettered         uint64
		}
	}
	decode(t, a.body, &consumers)
	require.Len(t, consumers.Consumers, 1)
	c := consumers.Consumers[0]
	assert.Equal(t, "mailer", c.Name)
	assert.Equal(t, uint64(3), c.Position)
	assert.Equal(t, uint64(3), c.Head)
	assert.Zero(t, c.Lag)
	assert.Equal(t, uint64(1), c.DeadLettered)

	letters := e.deadLetters("mailer")
	require.Len(t, letters, 1)
	assert.Equal(t, stored[1].ID, letters[0].Event.ID)
	assert.Contains(t, letters[0].Error, "the mail server refused it")
	assert.Equal(t, 1, letters[0].Attempts)

	id := stored[1].ID.String()
	replay := "/consumers/mailer/dead-letters/" + id + "/replay"
	problemOf(t, e.do(http.MethodPost, replay, tokenReader, nil), http.StatusForbidden)
	problemOf(t, e.do(http.MethodPost, replay, tokenOperator, nil), http.StatusBadGateway) // it fails again
	assert.Equal(t, 2, e.deadLetters("mailer")[0].Attempts)
	poisoned.Store(false)
	a = e.do(http.MethodPost, replay, tokenOperator, nil)
	require.Equal(t, http.StatusNoContent, a.status, "body: %s", a.body)
	assert.Empty(t, e.deadLetters("mailer"))
	p := problemOf(t, e.do(http.MethodPost, replay, tokenOperator, nil), http.StatusNotFound)
	assert.Equal(t, "id", p.Field)
	p = problemOf(t, e.do(http.MethodDelete, "/consumers/mailer/dead-letters/nope", tokenOperator, nil), http.StatusBadRequest)
	assert.Equal(t, "id", p.Field)
}

func TestDeadLettersOfTheStore(t *testing.T) {
	var poisoned atomic.Bool
	poisoned.Store(true)
	var d *durable.Subscription
	e := newEnvWith(t, nil, nil, func(e *env) []httpapi.Option {
		d = failingConsumer(t, e, &poisoned)
		return nil // the handler reaches the letters through the store alone
	})
	ctx := context.Background()
	stored := e.publish(ctx, event("poison", nil, nil))
	require.NoError(t, d.Wait(ctx, stored[0].Metadata.Position))
	require.Len(t, e.deadLetters("mailer"), 1)

	path := "/consumers/mailer/dead-letters/" + stored[0].ID.String()
	p := problemOf(t, e.do(http.MethodPost, path+"/replay", tokenOperator, nil), http.StatusNotFound)
	assert.Equal(t, "name", p.Field, "replaying needs the consumer")
	a := e.do(http.MethodDelete, path, tokenOperator, nil)
	require.Equal(t, http.StatusNoContent, a.status, "body: %s", a.body)
	assert.Empty(t, e.deadLetters("mailer"))
	problemOf(t, e.do(http.MethodDelete, path, tokenOperator, nil), http.StatusNotFound)
}

type deadLetter struct {
	Consumer string
	Event    herald.Event
	Attempts int
	Error    string
	At       time.Time
}

func (e *env) deadLetters(consumer string) []deadLetter {
	e.t.Helper()
	a := e.do(http.MethodGet, "/consumers/"+consumer+"/dead-letters", tokenReader, nil)
	require.Equal(e.t, http.StatusOK, a.status, "body: %s", a.body)
	var got struct{ DeadLetters []deadLetter }
	decode(e.t, a.body, &got)
	return got.DeadLetters
}

func TestStreamsAreThePushServers(t *testing.T) {
	var server *push.Server
	e := newEnvWith(t, nil, nil, func(e *env) []httpapi.Option {
		var err error
		server, err = push.New(context.Background(), e.store, e.bus, push.WithAuthenticator(authenticate))
		require.NoError(t, err)
		require.NoError(t, server.Register(push.Tail("tail", httpapi.DefaultReaderRole)))
		t.Cleanup(func() { _ = server.Close(context.Background()) })
		return []httpapi.Option{httpapi.WithPush(server)}
	})
	e.publish(context.Background(), event("sent", &herald.Authorization{ForPublic: true}, nil))
	assert.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/streams/tail", "", nil).status)

	a := e.do(http.MethodGet, "/consumers", tokenReader, nil)
	require.Equal(t, http.StatusOK, a.status)
	var got struct{ Consumers []struct{ Kind string } }
	decode(t, a.body, &got)
	require.Len(t, got.Consumers, 1)
	assert.Equal(t, "push", got.Consumers[0].Kind)

	req, err := http.NewRequest(http.MethodGet, e.server.URL+"/api/streams/tail", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokenReader)
	req.Header.Set("Last-Event-ID", "0")
	resp, err := e.server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	first := make([]byte, 5)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)
	assert.Equal(t, "id: 1", string(first))
}

// plainStore hides every capability of the store it wraps but the Store
// interface.
type plainStore struct{ herald.Store }

func TestDeadLettersOfAStoreWithout(t *testing.T) {
	e := newEnvWith(t, nil, nil, func(e *env) []httpapi.Option {
		return []httpapi.Option{httpapi.WithStore(plainStore{e.store})}
	})
	e.publish(context.Background(), event("sent", &herald.Authorization{ForPublic: true}, nil))
	assert.Len(t, e.query("", "").Results, 1, "the log is read from WithStore's store")
	p := problemOf(t, e.do(http.MethodGet, "/consumers/mailer/dead-letters", tokenReader, nil), http.StatusNotFound)
	assert.Equal(t, "name", p.Field)
	p = problemOf(t, e.do(http.MethodDelete, "/consumers/mailer/dead-letters/4c99d051-a526-4526-9cca-34f92a6c8c9d", tokenOperator, nil), http.StatusNotFound)
	assert.Equal(t, "name", p.Field)
	a := e.do(http.MethodGet, "/consumers", tokenReader, nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"consumers":[]}`, string(a.body))
}

func TestSubscriptionsWithoutABus(t *testing.T) {
	store, err := memstore.New()
	require.NoError(t, err)
	p, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	h, err := httpapi.New(p, httpapi.WithAuthenticator(authenticate))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/subscriptions", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokenOperator)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"subscriptions":[]}`, string(b))
}
