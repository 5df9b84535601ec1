package pushsocketio_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushsocketio"
)

// acme and globex are the tenants of the tests.
var (
	acme   = map[string]string{pushtest.TenantLabel: "acme"}
	globex = map[string]string{pushtest.TenantLabel: "globex"}
)

func stream(id string) url.Values { return url.Values{"stream": {id}} }

func TestSocketIOSendsEachEventUnderNamespaceColonName(t *testing.T) {
	for _, transports := range []string{"", "websocket", "polling"} {
		t.Run("transports="+transports, func(t *testing.T) {
			e := newEnv(t)
			c := e.start(e.url("acme", stream(pushtest.StreamAll)), "HERALD_TRANSPORTS="+transports)
			c.connected()
			e.WaitClients(1)
			sent := e.Publish("", pushtest.Message("sent", "hello", acme))
			l := c.event()
			assert.Equal(t, "communication.message:sent", l.Event)
			assert.Equal(t, sent.Metadata.Position, l.Position)
			assert.Equal(t, "hello", text(l.Data))
			var envelope map[string]any
			require.NoError(t, json.Unmarshal(l.Data, &envelope))
			assert.Equal(t, sent.ID.String(), envelope["id"], "the data is the event's envelope")
		})
	}
}

func TestSocketIOSendsTheStreamsMap(t *testing.T) {
	e := newEnv(t)
	c := e.start(e.url("acme", stream(pushtest.StreamMapped)))
	c.connected()
	e.WaitClients(1)
	e.Publish("", pushtest.Message("sent", "hello", acme))
	assert.JSONEq(t, `{"text":"hello"}`, string(c.event().Data))
}

// jane, signed in with socket.io's auth token, gets her star and never
// john's, which comes first: the stream keeps log order.
func TestSocketIOSendsOnlyWhatTheUserMaySee(t *testing.T) {
	e := newEnv(t)
	jane := e.start(e.url("acme", stream(pushtest.StreamAll)), "HERALD_TOKEN=jane")
	jane.connected()
	e.WaitClients(1)
	e.Publish("john", pushtest.Message("starred", "john's star", acme, herald.Authorization{Owner: "john"}))
	e.Publish("jane", pushtest.Message("starred", "jane's star", acme, herald.Authorization{Owner: "jane"}))
	e.Publish("", pushtest.Message("sent", "last", acme))
	first := jane.event()
	assert.Equal(t, "communication.message:starred", first.Event)
	assert.Equal(t, "jane's star", text(first.Data))
	assert.Equal(t, "last", text(jane.event().Data), "john's star never arrives")
}

// A client of one tenant never gets another tenant's events, nor events
// of no tenant, whatever it asks for.
func TestSocketIOKeepsEachTenantToItsOwnEvents(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.url("acme", stream(pushtest.StreamAll)))
	a.connected()
	g := e.start(e.url("globex", stream(pushtest.StreamAll)))
	g.connected()
	e.WaitClients(2)
	e.Publish("", pushtest.Message("sent", "no tenant", nil))
	e.Publish("", pushtest.Message("sent", "for globex", globex))
	e.Publish("", pushtest.Message("sent", "for acme", acme))
	assert.Equal(t, "for acme", text(a.event().Data))
	assert.Equal(t, "for globex", text(g.event().Data))

	other := e.start(e.url("acme", url.Values{"stream": {pushtest.StreamAll}, push.ParamCriteria: {`{"labels":{"tenant":"globex"}}`}}))
	l := other.next()
	require.NotNil(t, l.ConnectError, "criteria naming another tenant are refused: %+v", l)
	assert.Equal(t, http.StatusBadRequest, l.ConnectError.Data.Status)
}

func TestSocketIONarrowsWithCriteriaAndResumes(t *testing.T) {
	e := newEnv(t)
	inA := func(string) map[string]string {
		return map[string]string{pushtest.TenantLabel: "acme", "room": "a"}
	}
	first := e.Publish("", pushtest.Message("sent", "one", inA("")))
	e.Publish("", pushtest.Message("sent", "in b", map[string]string{pushtest.TenantLabel: "acme", "room": "b"}))
	e.Publish("", pushtest.Message("sent", "two", inA("")))
	q := url.Values{
		"stream":              {pushtest.StreamAll},
		push.ParamCriteria:    {`{"labels":{"room":"a"}}`},
		push.ParamLastEventID: {strconv.FormatUint(first.Metadata.Position, 10)},
	}
	c := e.start(e.url("acme", q))
	c.connected()
	assert.Equal(t, "two", text(c.event().Data), "resumed after one, without room b")
	e.WaitClients(1)
	e.Publish("", pushtest.Message("sent", "three", inA("")))
	assert.Equal(t, "three", text(c.event().Data), "then live")
}

func TestSocketIORefusesWithConnectError(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		url    string
		env    []string
		status int
	}{
		{"anonymous without the role", e.url("acme", stream(pushtest.StreamMembers)), nil, http.StatusUnauthorized},
		{"signed in without the role", e.url("acme", stream(pushtest.StreamMembers)), []string{"HERALD_TOKEN=jane"}, http.StatusForbidden},
		{"unknown stream", e.url("acme", stream("none")), nil, http.StatusNotFound},
		{"no stream", e.url("acme", nil), nil, http.StatusBadRequest},
		{"malformed lastEventId", e.url("acme", url.Values{"stream": {pushtest.StreamAll}, push.ParamLastEventID: {"x"}}), nil, http.StatusBadRequest},
		{"the default namespace", e.url("", stream(pushtest.StreamAll)), nil, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := e.start(tc.url, tc.env...).next()
			require.NotNil(t, l.ConnectError, "connect_error: %+v", l)
			assert.Equal(t, tc.status, l.ConnectError.Data.Status, l.ConnectError.Message)
		})
	}
	c := e.start(e.url("acme", url.Values{"stream": {pushtest.StreamMembers}, "role": {pushtest.RoleMember}}))
	c.connected()
	e.WaitClients(1)
	e.Publish("", pushtest.Message("sent", "for members", acme))
	assert.Equal(t, "for members", text(c.event().Data), "the role opens the stream")
}

// Every stream of a client that went ends, whether it disconnected, was
// killed (the heartbeat finds it gone), or was refused.
func TestSocketIOClientsThatGoLeaveNothingRunning(t *testing.T) {
	e := newEnv(t, pushsocketio.WithHeartbeat(time.Second, 2*time.Second))
	// One client first, so that what socket.io starts once is running.
	warm := e.start(e.url("acme", stream(pushtest.StreamAll)))
	warm.connected()
	warm.stop()
	e.WaitClients(0)

	check := pushtest.Goroutines(t, 4)
	var clients []*client
	for i := range 12 {
		id := pushtest.StreamAll
		if i%4 == 3 {
			id = pushtest.StreamMembers // refused
		}
		c := e.start(e.url("acme", stream(id)), "HERALD_TRANSPORTS="+[]string{"", "websocket", "polling"}[i%3])
		clients = append(clients, c)
	}
	for _, c := range clients {
		c.next()
	}
	e.WaitClients(9)
	for i, c := range clients {
		if i%2 == 0 {
			c.kill()
		} else {
			c.stop()
		}
	}
	e.WaitClients(0)
	check()
}

func TestSocketIOCloseEndsEveryConnection(t *testing.T) {
	e := newEnv(t)
	c := e.start(e.url("acme", stream(pushtest.StreamAll)))
	c.connected()
	e.WaitClients(1)
	require.NoError(t, e.io.Close(t.Context()))
	l := c.next()
	assert.NotEmpty(t, l.Disconnected, "the client is disconnected: %+v", l)
	e.WaitClients(0)
}
