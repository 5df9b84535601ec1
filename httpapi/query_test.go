package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

// visibilityLog stores, in this order: alice's private event, a public
// one, one for signed-in users, bob's private one.
func visibilityLog(t *testing.T, e *env) []herald.Event {
	ctx := context.Background()
	var out []herald.Event
	out = append(out, e.publish(herald.ContextWithUser(ctx, herald.User{ID: "alice"}), event("alices", nil, nil))...)
	out = append(out, e.publish(ctx, event("public", &herald.Authorization{ForPublic: true}, map[string]string{"kind": "news"}))...)
	out = append(out, e.publish(ctx, event("members", &herald.Authorization{ForAuthenticated: true}, nil))...)
	out = append(out, e.publish(herald.ContextWithUser(ctx, herald.User{ID: "bob"}), event("bobs", nil, nil))...)
	return out
}

func names(events []herald.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Name
	}
	return out
}

func TestQuerySeesWhatAuthorizationAllows(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	cases := []struct {
		who   string
		token string
		want  []string
	}{
		{"anonymous", "", []string{"public"}},
		{"alice", tokenSender, []string{"members", "public", "alices"}},
		{"bob", tokenBob, []string{"bobs", "members", "public"}},
		{"carol", tokenCarol, []string{"members", "public"}},
		{"a reader", tokenReader, []string{"bobs", "members", "public", "alices"}},
		{"an operator", tokenOperator, []string{"bobs", "members", "public", "alices"}},
	}
	for _, c := range cases {
		t.Run(c.who, func(t *testing.T) {
			got := e.query(c.token, "")
			assert.Equal(t, c.want, names(got.Results), "newest first")
			assert.Empty(t, got.Page.Next)
		})
	}
}

func TestQueryPagesWithCursor(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	// carol sees two of the four events: pages of one skip the others.
	var seen []string
	params := url.Values{"top": {"1"}, "order": {"asc"}}
	for range 5 {
		got := e.query(tokenCarol, params.Encode())
		seen = append(seen, names(got.Results)...)
		if got.Page.Next == "" {
			break
		}
		params.Set("cursor", got.Page.Next)
	}
	assert.Equal(t, []string{"public", "members"}, seen)
}

func TestQueryFilters(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	ctx := context.Background()
	old, older := event("old", nil, nil), event("older", nil, nil)
	old.Metadata.Timestamp = time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	older.Metadata.Timestamp = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	e.publish(ctx, older, old)
	correlated := e.publish(herald.ContextWithCorrelationID(ctx, uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e")),
		event("linked", nil, nil))[0]
	cases := []struct {
		name, params string
		want         []string
	}{
		{"one name", "name=communication.message.bobs", []string{"bobs"}},
		{"names and patterns", "name=communication.message.bobs&name=*.*.public&order=asc", []string{"public", "bobs"}},
		{"label", "label=kind:news", []string{"public"}},
		{"correlation id", "correlationId=" + correlated.Metadata.CorrelationID.String(), []string{"linked"}},
		{"time range", "timestampMin=2020-01-01T00:00:00Z&timestampMax=2020-01-02T00:00:00Z&order=asc", []string{"older", "old"}},
		{"time range open above", "timestampMax=2020-01-01T12:00:00%2B01:00", []string{"older"}},
		{"top, newest first by position", "top=2", []string{"linked", "old"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.query(tokenReader, c.params)
			assert.Equal(t, c.want, names(got.Results))
		})
	}
}

func TestQueryBadParameters(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	first := e.query(tokenReader, "top=1&name=communication.message.*")
	require.NotEmpty(t, first.Page.Next)
	cases := []struct{ name, params, field string }{
		{"timestamp that does not parse", "timestampMin=yesterday", "timestampMin"},
		{"other timestamp", "timestampMax=2026-13-01T00:00:00Z", "timestampMax"},
		{"range backwards", "timestampMin=2026-12-03T10:00:00Z&timestampMax=2026-12-03T09:00:00Z", "timestampMin"},
		{"top too large", "top=10001", "top"},
		{"top not a number", "top=ten", "top"},
		{"order", "order=sideways", "order"},
		{"label without a value", "label=kind", "label"},
		{"bad name pattern", "name=communication", "name"},
		{"unknown parameter", "timestampmin=2026-12-03T10:00:00Z", "timestampmin"},
		{"cursor not one of ours", "cursor=abc", "cursor"},
		{"malformed query", "top=%zz", ""},
		{"cursor of another query", "top=1&cursor=" + first.Page.Next, "cursor"},
		{"cursor of the other order", "top=1&order=asc&name=communication.message.*&cursor=" + first.Page.Next, "cursor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := problemOf(t, e.do(http.MethodGet, "/events?"+c.params, tokenReader, nil), http.StatusBadRequest)
			assert.Equal(t, c.field, p.Field, "detail: %s", p.Detail)
		})
	}
	// The cursor goes on with its own query.
	next := e.query(tokenReader, "top=1&name=communication.message.*&cursor="+first.Page.Next)
	assert.Len(t, next.Results, 1)
}

func TestQueryWrongTokenIs401(t *testing.T) {
	e := newEnv(t, nil, nil)
	a := e.do(http.MethodGet, "/events", "forged", nil)
	problemOf(t, a, http.StatusUnauthorized)
	assert.Contains(t, a.header.Get("WWW-Authenticate"), "Bearer")
}

func TestStats(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	var stats struct {
		Events uint64            `json:"events"`
		Head   uint64            `json:"head"`
		Counts map[string]uint64 `json:"counts"`
	}
	a := e.do(http.MethodGet, "/events/stats", tokenReader, nil)
	require.Equal(t, http.StatusOK, a.status)
	decode(t, a.body, &stats)
	assert.Equal(t, uint64(4), stats.Events)
	assert.Equal(t, uint64(4), stats.Head)
	assert.Equal(t, uint64(1), stats.Counts["communication.message.bobs"])

	problemOf(t, e.do(http.MethodGet, "/events/stats", "", nil), http.StatusUnauthorized)
	problemOf(t, e.do(http.MethodGet, "/events/stats", tokenBob, nil), http.StatusForbidden)
}

func TestUnknownRouteAndMethod(t *testing.T) {
	e := newEnv(t, nil, nil)
	problemOf(t, e.do(http.MethodGet, "/nowhere", "", nil), http.StatusNotFound)
	problemOf(t, e.do(http.MethodGet, "/streams/x", "", nil), http.StatusNotFound)
	a := e.do(http.MethodPut, "/events", tokenSender, []byte(`{}`))
	problemOf(t, a, http.StatusMethodNotAllowed)
	assert.Contains(t, a.header.Get("Allow"), "POST")
}
