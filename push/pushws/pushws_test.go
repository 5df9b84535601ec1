package pushws_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push"
)

func TestWebSocketSendsTheEnvelopeOfEachEvent(t *testing.T) {
	e := newEnv(t)
	c := e.dial(pushtest.StreamAll, nil)
	sent := e.Say("hello")
	m := c.next()
	assert.Equal(t, "sent", m["name"])
	assert.Equal(t, "hello", text(m))
	assert.Equal(t, sent.Metadata.Position, position(m))
	assert.Equal(t, sent.ID.String(), m["id"])
}

func TestWebSocketSendsTheStreamsMap(t *testing.T) {
	e := newEnv(t)
	c := e.dial(pushtest.StreamMapped, nil)
	e.Say("hello")
	e.Publish("", pushtest.Message("liked", "a like", nil))
	assert.Equal(t, map[string]any{"text": "hello"}, c.next(), "sent is mapped")
	assert.Equal(t, "liked", c.next()["name"], "liked is sent whole")
}

// An event goes only to a client its authorization allows: jane never
// gets john's star, and gets her own; the stream keeps log order, so had
// john's star been sent to her it would have come first.
func TestWebSocketSendsOnlyWhatTheUserMaySee(t *testing.T) {
	e := newEnv(t)
	jane := e.dial(pushtest.StreamAll, url.Values{"user": {"jane"}})
	anonymous := e.dial(pushtest.StreamAll, nil)
	e.Whisper("john", "john's star")
	e.Whisper("jane", "jane's star")
	e.Say("for everyone")
	assert.Equal(t, "jane's star", text(jane.next()))
	assert.Equal(t, "for everyone", text(jane.next()))
	assert.Equal(t, "for everyone", text(anonymous.next()))
}

func TestWebSocketRefusesWhoMayNotOpenTheStreamBeforeTheUpgrade(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		stream string
		query  url.Values
		status int
	}{
		{"anonymous without the role", pushtest.StreamMembers, nil, http.StatusUnauthorized},
		{"signed in without the role", pushtest.StreamMembers, url.Values{"user": {"jane"}}, http.StatusForbidden},
		{"unknown stream", "none", nil, http.StatusNotFound},
		{"malformed lastEventId", pushtest.StreamAll, url.Values{push.ParamLastEventID: {"x"}}, http.StatusBadRequest},
		{"malformed criteria", pushtest.StreamAll, url.Values{push.ParamCriteria: {"{"}}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := websocket.Dial(context.Background(), e.url(tc.stream, tc.query), nil)
			require.Error(t, err)
			require.NotNil(t, resp)
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
	c := e.dial(pushtest.StreamMembers, url.Values{"role": {pushtest.RoleMember}})
	e.Say("for members")
	assert.Equal(t, "for members", text(c.next()), "the role opens the stream")
}

func TestWebSocketResumesAfterLastEventID(t *testing.T) {
	e := newEnv(t)
	first := e.Say("one")
	e.Say("two")
	e.Say("three")
	after := func(p uint64) url.Values {
		return url.Values{push.ParamLastEventID: {strconv.FormatUint(p, 10)}}
	}
	c := e.dial(pushtest.StreamAll, after(first.Metadata.Position))
	assert.Equal(t, "two", text(c.next()), "from the store")
	assert.Equal(t, "three", text(c.next()), "from the store")
	e.Say("four")
	assert.Equal(t, "four", text(c.next()), "then live, with no gap and none twice")

	whole := e.dial(pushtest.StreamAll, after(0))
	var got []any
	for range 4 {
		got = append(got, text(whole.next()))
	}
	assert.Equal(t, []any{"one", "two", "three", "four"}, got, "0 replays the whole log")
}

func TestWebSocketNarrowsTheStreamWithTheClientsCriteria(t *testing.T) {
	e := newEnv(t)
	c := e.dial(pushtest.StreamAll, url.Values{push.ParamCriteria: {`{"labels":{"room":"a"}}`}})
	e.Publish("", pushtest.Message("sent", "in b", map[string]string{"room": "b"}))
	e.Publish("", pushtest.Message("sent", "in a", map[string]string{"room": "a"}))
	assert.Equal(t, "in a", text(c.next()))
}

// A client that reads nothing is cut off once it falls more than the
// buffer behind; the publisher goes on, and so does a client that reads.
func TestWebSocketCutsASlowClientOffWithoutHoldingThePublisher(t *testing.T) {
	e := newEnv(t, push.WithBufferSize(16))
	ws, _, err := websocket.Dial(context.Background(), e.url(pushtest.StreamAll, nil), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.CloseNow() })
	e.WaitClients(1)
	reader := e.dial(pushtest.StreamAll, nil)

	// The reader reads each event before the next is published, so only
	// the client that reads nothing falls behind, once the sockets'
	// buffers between it and the server are full.
	big := strings.Repeat("x", 16<<10)
	for i := 0; e.Status().CutOff == 0; i++ {
		require.Less(t, i, 100_000, "the slow client is never cut off")
		e.Say(big)
		require.Equal(t, big, text(reader.next()), "the reading client gets every event")
	}
	pushtest.Eventually(t, func() bool { return e.Status().Clients == 1 }, "the slow client's stream ends")
	e.Say("after")
	assert.Equal(t, "after", text(reader.next()), "the reading client goes on")
}

func TestWebSocketServerCloseEndsTheStreamWithTryAgainLater(t *testing.T) {
	e := newEnv(t)
	c := e.dial(pushtest.StreamAll, nil)
	require.NoError(t, e.Server.Close(context.Background()))
	assert.Equal(t, websocket.StatusTryAgainLater, websocket.CloseStatus(c.end()))
}

func TestWebSocketClientsThatGoLeaveNothingRunning(t *testing.T) {
	e := newEnv(t)
	e.Say("before")
	check := pushtest.Goroutines(t, 2)
	for range 20 {
		ws, _, err := websocket.Dial(context.Background(), e.url(pushtest.StreamAll, url.Values{push.ParamLastEventID: {"0"}}), nil)
		require.NoError(t, err)
		_, _, err = ws.Read(context.Background())
		require.NoError(t, err)
		require.NoError(t, ws.Close(websocket.StatusNormalClosure, "bye"))
	}
	e.WaitClients(0)
	check()
}
