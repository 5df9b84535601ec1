package push_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

var chat = push.Stream{
	ID:              "chat",
	Name:            "Chat",
	Description:     "Messages as they are sent and liked.",
	PublicSubscribe: true,
	Events:          []push.StreamEvent{{Name: "communication.message.*"}},
}

func TestFraming(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	c := e.open("chat", request{})
	assert.Equal(t, "text/event-stream", c.resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", c.resp.Header.Get("Cache-Control"))

	sent := e.say("hey, how are you?")
	e.publish("", herald.Event{Aggregate: herald.AggregateRef{Context: "communication", Name: "room", ID: sent.Aggregate.ID}, Name: "opened"})
	liked := e.publish("", herald.Event{Aggregate: sent.Aggregate, Name: "liked", Data: Liked{By: "jane"}})

	for _, want := range []herald.Event{sent, liked} {
		f := c.event()
		data, err := want.MarshalJSON()
		require.NoError(t, err)
		assert.Equal(t, pos(want), f.ID)
		assert.Equal(t, want.FullName(), f.Event)
		assert.JSONEq(t, string(data), f.Data)
		assert.Equal(t, string(data), f.Data, "the data is the envelope as MarshalJSON writes it")
	}
}

func TestHeartbeat(t *testing.T) {
	e := newEnv(t, []push.Stream{chat}, push.WithHeartbeat(time.Millisecond))
	c := e.open("chat", request{})
	f := c.next()
	assert.Equal(t, frame{Comment: "heartbeat"}, f)

	// Events still come between heartbeats.
	sent := e.say("hi")
	assert.Equal(t, pos(sent), c.event().ID)
	assert.Equal(t, "heartbeat", c.next().Comment)
}

func TestHead(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	code, body := e.status("chat", request{method: http.MethodHead})
	assert.Equal(t, http.StatusOK, code)
	assert.Empty(t, body)
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	criteria := func(v ...string) url.Values { return url.Values{"criteria": v} }
	cases := []struct {
		name string
		id   string
		req  request
		code int
	}{
		{"unknown stream", "nope", request{}, http.StatusNotFound},
		{"Last-Event-ID not a number", "chat", request{header: http.Header{"Last-Event-Id": {"abc"}}}, http.StatusBadRequest},
		{"Last-Event-ID negative", "chat", request{header: http.Header{"Last-Event-Id": {"-1"}}}, http.StatusBadRequest},
		{"Last-Event-ID fraction", "chat", request{header: http.Header{"Last-Event-Id": {"1.5"}}}, http.StatusBadRequest},
		{"Last-Event-ID too large", "chat", request{header: http.Header{"Last-Event-Id": {"18446744073709551616"}}}, http.StatusBadRequest},
		{"Last-Event-ID with spaces", "chat", request{header: http.Header{"Last-Event-Id": {"1 2"}}}, http.StatusBadRequest},
		{"lastEventId not a number", "chat", request{query: url.Values{"lastEventId": {"x"}}}, http.StatusBadRequest},
		{"lastEventId twice", "chat", request{query: url.Values{"lastEventId": {"1", "2"}}}, http.StatusBadRequest},
		{"criteria not JSON", "chat", request{query: criteria("room=a")}, http.StatusBadRequest},
		{"criteria a list", "chat", request{query: criteria(`[]`)}, http.StatusBadRequest},
		{"criteria null", "chat", request{query: criteria(`null`)}, http.StatusBadRequest},
		{"criteria unknown field", "chat", request{query: criteria(`{"owner":"alice"}`)}, http.StatusBadRequest},
		{"criteria label not a string", "chat", request{query: criteria(`{"labels":{"room":1}}`)}, http.StatusBadRequest},
		{"criteria malformed uuid", "chat", request{query: criteria(`{"correlationId":"xyz"}`)}, http.StatusBadRequest},
		{"criteria trailing text", "chat", request{query: criteria(`{} {}`)}, http.StatusBadRequest},
		{"criteria twice", "chat", request{query: criteria(`{}`, `{}`)}, http.StatusBadRequest},
		{"criteria unfinished", "chat", request{query: criteria(`{"labels":`)}, http.StatusBadRequest},
		{"POST", "chat", request{method: http.MethodPost}, http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.status(tc.id, tc.req)
			assert.Equal(t, tc.code, code, body)
			if tc.code != http.StatusMethodNotAllowed {
				assert.Regexp(t, `^push: `, body)
			}
		})
	}

	t.Run("malformed query", func(t *testing.T) {
		resp, err := e.web.Client().Get(e.web.URL + "/streams/chat?criteria=%zz")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("other path", func(t *testing.T) {
		resp, err := e.web.Client().Get(e.web.URL + "/streams")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	})
	t.Run("an empty Last-Event-ID does not resume", func(t *testing.T) {
		c := e.open("chat", request{query: url.Values{"lastEventId": {""}}})
		sent := e.say("live")
		assert.Equal(t, pos(sent), c.event().ID)
	})
	assert.Zero(t, statusOf(t, e.srv).CutOff)
}

func TestCloseEndsStreams(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	streams := []*sse{e.open("chat", request{}), e.open("chat", request{}), e.open("chat", request{})}
	sent := e.say("before closing")
	for _, c := range streams {
		assert.Equal(t, pos(sent), c.event().ID)
	}
	assert.Equal(t, 3, statusOf(t, e.srv).Clients)

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	require.NoError(t, e.srv.Close(ctx))
	for _, c := range streams {
		rest, err := c.end()
		assert.NoError(t, err, "the stream ends cleanly")
		assert.Empty(t, rest)
	}
	info := statusOf(t, e.srv)
	assert.Zero(t, info.Clients)
	assert.Zero(t, info.CutOff)
	assert.Equal(t, uint64(3), info.Opened)

	code, body := e.status("chat", request{})
	assert.Equal(t, http.StatusServiceUnavailable, code, body)
	assert.ErrorIs(t, e.srv.Close(ctx), herald.ErrClosed)
	assert.ErrorIs(t, e.srv.Register(push.Tail("tail", push.StreamListener)), herald.ErrClosed)

	// The publisher goes on without the server.
	e.say("after closing")
}

func TestCloseWithEndedContextCutsStreamsOff(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	c := e.open("chat", request{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.srv.Close(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), err)
	_, _ = c.end() // the stream ends, cleanly or not
	eventually(t, func() bool { return statusOf(t, e.srv).Clients == 0 }, "every stream ended")
}

// failing is data whose MarshalJSON fails, or panics.
type failing struct{ panics bool }

func (f failing) MarshalJSON() ([]byte, error) {
	if f.panics {
		panic("cannot encode")
	}
	return nil, errors.New("cannot encode")
}

func TestEventsThatCannotBeEncodedNeverReachAStream(t *testing.T) {
	mapped := push.Stream{ID: "mapped", PublicSubscribe: true, Events: []push.StreamEvent{
		{Name: "communication.message.sent", Map: map[string]string{"text": "data.text"}},
	}}
	e := newEnv(t, []push.Stream{chat, mapped})
	live := e.open("chat", request{})
	liveMapped := e.open("mapped", request{})
	for _, data := range []failing{{}, {panics: true}} {
		ev := withAuthorization(message("sent", data), herald.Authorization{ForPublic: true})
		_, err := e.pub.Publish(context.Background(), ev)
		require.ErrorIs(t, err, herald.ErrInvalid)
	}
	good := e.say("fine")
	replay := e.open("chat", request{header: http.Header{"Last-Event-Id": {"0"}}})
	replayMapped := e.open("mapped", request{header: http.Header{"Last-Event-Id": {"0"}}})
	for _, c := range []*sse{live, liveMapped, replay, replayMapped} {
		assert.Equal(t, pos(good), c.event().ID)
	}
}
