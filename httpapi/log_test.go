package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
)

// lines decodes an NDJSON body.
func lines(t *testing.T, body []byte) []herald.Event {
	t.Helper()
	var out []herald.Event
	for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if l == "" {
			continue
		}
		var e herald.Event
		require.NoError(t, json.Unmarshal([]byte(l), &e), "line %q", l)
		out = append(out, e)
	}
	return out
}

func TestLogAfterAndNames(t *testing.T) {
	e := newEnv(t, nil, nil)
	visibilityLog(t, e)
	cases := []struct {
		name, token, params string
		want                []string
	}{
		{"everything for a reader", tokenReader, "", []string{"alices", "public", "members", "bobs"}},
		{"after a position", tokenReader, "after=2", []string{"members", "bobs"}},
		{"names", tokenReader, "name=*.*.bobs&name=*.*.alices", []string{"alices", "bobs"}},
		{"what bob may see", tokenBob, "", []string{"public", "members", "bobs"}},
		{"what anyone may see", "", "", []string{"public"}},
		{"past the head", tokenReader, "after=10", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := e.do(http.MethodGet, "/events/log?"+c.params, c.token, nil)
			require.Equal(t, http.StatusOK, a.status, "body: %s", a.body)
			assert.Equal(t, "application/x-ndjson", a.header.Get("Content-Type"))
			got := lines(t, a.body)
			assert.Equal(t, c.want, namesOrNil(got))
		})
	}
}

func namesOrNil(events []herald.Event) []string {
	if len(events) == 0 {
		return nil
	}
	return names(events)
}

func TestLogBadParameters(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, c := range []struct{ params, field string }{
		{"after=-1", "after"}, {"follow=maybe", "follow"}, {"name=x", "name"}, {"top=1", "top"},
	} {
		p := problemOf(t, e.do(http.MethodGet, "/events/log?"+c.params, tokenReader, nil), http.StatusBadRequest)
		assert.Equal(t, c.field, p.Field)
	}
}

func TestLogFollowsLive(t *testing.T) {
	e := newEnv(t, nil, nil, httpapi.WithPollInterval(5*time.Millisecond))
	ctx := context.Background()
	e.publish(ctx, event("before", &herald.Authorization{ForPublic: true}, nil))

	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, e.server.URL+"/api/events/log?follow=true&after=0&name=*.*.wanted&name=*.*.before", nil)
	require.NoError(t, err)
	resp, err := e.server.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := bufio.NewScanner(resp.Body)

	next := func() herald.Event {
		t.Helper()
		require.True(t, lines.Scan(), "a line: %v", lines.Err())
		var ev herald.Event
		require.NoError(t, json.Unmarshal(lines.Bytes(), &ev))
		return ev
	}
	assert.Equal(t, "before", next().Name)
	e.publish(ctx, event("unwanted", &herald.Authorization{ForPublic: true}, nil))
	e.publish(ctx, event("wanted", nil, nil)) // anonymous and private: no one's
	e.publish(ctx, event("wanted", &herald.Authorization{ForPublic: true}, map[string]string{"n": "1"}))
	got := next()
	assert.Equal(t, "wanted", got.Name)
	assert.Equal(t, map[string]string{"n": "1"}, got.Metadata.Labels)
	assert.Equal(t, uint64(4), got.Metadata.Position)
	cancel()
	assert.False(t, lines.Scan(), "the stream ends with the client")
}
