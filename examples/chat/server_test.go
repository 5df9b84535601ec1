package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScriptedChat(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dir    string
		memory bool
	}{
		{name: "memory", memory: true},
		{name: "bbolt", dir: t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.NoError(t, run(context.Background(), tc.dir, tc.memory, ""))
		})
	}
}

// post sends a command and returns the status and the decoded answer.
func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	var answer map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&answer))
	return res.StatusCode, answer
}

func TestCommands(t *testing.T) {
	base := startChat(t)
	status, answer := post(t, base+"/messages?user=jane", `{"text":"hi"}`)
	require.Equal(t, http.StatusOK, status, answer)
	id, _ := answer["id"].(string)
	require.NotEmpty(t, id)

	for _, tc := range []struct {
		name, path, body string
		want             int
	}{
		{"like", "/messages/" + id + "/like?user=john", "", http.StatusOK},
		{"star", "/messages/" + id + "/star?user=jane", "", http.StatusOK},
		{"anonymous", "/messages", `{"text":"hi"}`, http.StatusUnauthorized},
		{"malformed user", "/messages?user=Jane%20Doe", `{"text":"hi"}`, http.StatusUnauthorized},
		{"empty text", "/messages?user=jane", `{"text":"  "}`, http.StatusBadRequest},
		{"malformed body", "/messages?user=jane", `hi`, http.StatusBadRequest},
		{"unknown message", "/messages/7d2f5c1e-0000-4000-8000-000000000000/like?user=john", "", http.StatusNotFound},
		{"malformed id", "/messages/nope/star?user=john", "", http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, answer := post(t, base+tc.path, tc.body)
			assert.Equal(t, tc.want, status, answer)
		})
	}
}

func TestPage(t *testing.T) {
	base := startChat(t)
	res, err := http.Get(base + "/")
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, string(body), `new EventSource("/push/streams/chat`)
}

// TestStreamAuthorization reads the push stream as john: he gets jane's
// message and his like, and not jane's star, which comes between them.
func TestStreamAuthorization(t *testing.T) {
	base := startChat(t)
	status, answer := post(t, base+"/messages?user=jane", `{"text":"hi"}`)
	require.Equal(t, http.StatusOK, status, answer)
	id := answer["id"].(string)
	status, _ = post(t, base+"/messages/"+id+"/star?user=jane", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = post(t, base+"/messages/"+id+"/like?user=john", "")
	require.Equal(t, http.StatusOK, status)

	events := func(user string, n int) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			base+"/push/streams/chat?lastEventId=0&user="+user, nil)
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		var names []string
		lines := bufio.NewScanner(res.Body)
		for len(names) < n && lines.Scan() {
			if name, ok := strings.CutPrefix(lines.Text(), "event: "); ok {
				names = append(names, name)
			}
		}
		require.NoError(t, lines.Err())
		return names
	}
	assert.Equal(t, []string{"communication.message.sent", "communication.message.liked"}, events("john", 2))
	assert.Equal(t, []string{"communication.message.sent", "communication.message.starred", "communication.message.liked"}, events("jane", 3))
	assert.Equal(t, []string{"communication.message.sent", "communication.message.liked"}, events("", 2), "anonymous")
}
