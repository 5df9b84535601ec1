package push_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// queryUser is the tests' sign-in: the user and roles come from the query
// parameters user and roles (comma-separated); X-Fail makes it fail and
// X-Panic panic.
func queryUser(r *http.Request) (*herald.User, []string, error) {
	if r.Header.Get("X-Panic") != "" {
		panic("the authenticator broke")
	}
	if r.Header.Get("X-Fail") != "" {
		return nil, nil, errors.New("the token expired")
	}
	var user *herald.User
	if id := r.URL.Query().Get("user"); id != "" {
		user = &herald.User{ID: id}
	}
	var roles []string
	if rs := r.URL.Query().Get("roles"); rs != "" {
		roles = strings.Split(rs, ",")
	}
	return user, roles, nil
}

func as(user string, roles ...string) request {
	q := url.Values{}
	if user != "" {
		q.Set("user", user)
	}
	if len(roles) > 0 {
		q.Set("roles", strings.Join(roles, ","))
	}
	return request{query: q}
}

var ops = push.Stream{
	ID:              "ops",
	SubscriberRoles: []string{"operator", "auditor"},
	Events:          []push.StreamEvent{{Name: "*.*.*"}},
}

func TestWhoMayOpen(t *testing.T) {
	e := newEnv(t, []push.Stream{chat, ops, push.Tail("tail", push.StreamListener)}, push.WithAuthenticator(queryUser))
	cases := []struct {
		name   string
		stream string
		req    request
		code   int
	}{
		{"anyone opens a public stream", "chat", as(""), http.StatusOK},
		{"a signed-in user opens a public stream", "chat", as("bob"), http.StatusOK},
		{"not signed in", "ops", as(""), http.StatusUnauthorized},
		{"signed in without a role", "ops", as("bob"), http.StatusForbidden},
		{"signed in with another role", "ops", as("bob", "writer"), http.StatusForbidden},
		{"signed in with a role", "ops", as("bob", "writer", "auditor"), http.StatusOK},
		{"a role without a user", "ops", as("", "operator"), http.StatusOK},
		{"the tail for a stream listener", "tail", as("olga", push.StreamListener), http.StatusOK},
		{"the tail for others", "tail", as("bob", "operator"), http.StatusForbidden},
		{"failed authentication", "chat", request{header: http.Header{"X-Fail": {"1"}}}, http.StatusUnauthorized},
		{"a panicking authenticator", "chat", request{header: http.Header{"X-Panic": {"1"}}}, http.StatusInternalServerError},
		{"roles checked before the parameters", "ops", request{query: url.Values{"criteria": {"bad"}}}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.method = http.MethodHead
			code, body := e.status(tc.stream, tc.req)
			assert.Equal(t, tc.code, code, body)
		})
	}
	t.Run("the failure is not told", func(t *testing.T) {
		_, body := e.status("chat", request{header: http.Header{"X-Fail": {"1"}}})
		assert.NotContains(t, body, "expired")
	})
}

func TestDefaultAuthenticatorIsAnonymous(t *testing.T) {
	e := newEnv(t, []push.Stream{chat, ops})
	code, _ := e.status("ops", request{header: http.Header{"Authorization": {"Bearer x"}}, query: url.Values{"user": {"alice"}, "roles": {"operator"}}})
	assert.Equal(t, http.StatusUnauthorized, code)

	private := e.publishAsIs("alice", message("sent", Sent{Text: "mine"}))
	c := e.open("chat", request{header: http.Header{"Last-Event-Id": {"0"}}, query: url.Values{"user": {"alice"}}})
	public := e.say("everyone's")
	assert.Equal(t, pos(public), c.event().ID, "%s is alice's alone", pos(private))
}

// upTo returns the ids of the messages up to the one with id last,
// excluded.
func (c *sse) upTo(last string) []string {
	c.t.Helper()
	ids := []string{}
	for {
		f := c.event()
		if f.ID == last {
			return ids
		}
		ids = append(ids, f.ID)
	}
}

func TestEachEventGoesOnlyWhereItsAuthorizationAllows(t *testing.T) {
	mapped := push.Stream{
		ID: "mapped", PublicSubscribe: true,
		Events: []push.StreamEvent{{Name: "communication.message.sent", Map: map[string]string{"text": "data.text", "owner": "metadata.isAuthorized.owner"}}},
	}
	narrowed := push.Stream{
		ID: "narrowed", PublicSubscribe: true,
		Events: []push.StreamEvent{{Name: "*.*.*", Criteria: push.Criteria{Labels: map[string]string{"room": "a"}}}},
	}
	e := newEnv(t, []push.Stream{chat, mapped, narrowed, push.Tail("tail", push.StreamListener)}, push.WithAuthenticator(queryUser))

	clients := []struct {
		name   string
		stream string
		req    request
		sees   []string // the names of the events below it sees
	}{
		{"anonymous", "chat", as(""), []string{"public"}},
		{"alice", "chat", as("alice"), []string{"alice's", "signed-in", "public"}},
		{"bob", "chat", as("bob"), []string{"signed-in", "public", "bob's"}},
		{"carol", "chat", as("carol"), []string{"signed-in", "public"}},
		{"bob through a map", "mapped", as("bob"), []string{"signed-in", "public", "bob's"}},
		{"anonymous through a map", "mapped", as(""), []string{"public"}},
		{"bob through criteria", "narrowed", as("bob"), []string{"signed-in", "public", "bob's"}},
		{"an operator tailing the log", "tail", as("olga", push.StreamListener), []string{"signed-in", "public"}},
		{"a listener without a user", "tail", as("", push.StreamListener), []string{"public"}},
	}
	streams := make([]*sse, len(clients))
	for i, c := range clients {
		streams[i] = e.open(c.stream, c.req)
	}

	// Each event in room a, with its authorization.
	events := []struct {
		name string
		user string
		auth *herald.Authorization
	}{
		{"alice's", "alice", nil}, // the publisher makes alice its owner
		{"signed-in", "alice", &herald.Authorization{ForAuthenticated: true}},
		{"public", "alice", &herald.Authorization{ForPublic: true}},
		{"anonymous", "", nil}, // no one's: no one sees it
		{"bob's", "bob", &herald.Authorization{Owner: "bob"}},
		{"the end", "", &herald.Authorization{ForPublic: true}},
	}
	ids := map[string]string{}
	for _, p := range events {
		ev := message("sent", Sent{Text: p.name})
		ev.Metadata.Labels = map[string]string{"room": "a"}
		ev.Metadata.Authorization = p.auth
		ids[p.name] = pos(e.publishAsIs(p.user, ev))
	}

	for i, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			want := []string{}
			for _, name := range c.sees {
				want = append(want, ids[name])
			}
			assert.Equal(t, want, streams[i].on(t).upTo(ids["the end"]))
		})
	}
	require.Zero(t, statusOf(t, e.srv).CutOff)
}

// Criteria only narrow: asking for the correlation of someone else's event
// does not get it.
func TestCriteriaCannotWiden(t *testing.T) {
	e := newEnv(t, []push.Stream{chat}, push.WithAuthenticator(queryUser))
	correlation := uuid.New()
	req := as("bob")
	req.query.Set("criteria", `{"correlationId":"`+correlation.String()+`"}`)
	c := e.open("chat", req)

	private := message("sent", Sent{Text: "alice's"})
	private.Metadata.CorrelationID = correlation
	e.publishAsIs("alice", private)
	e.say("another correlation")
	public := message("sent", Sent{Text: "public"})
	public.Metadata.CorrelationID = correlation
	public = e.publish("", public)
	assert.Equal(t, pos(public), c.event().ID)
}
