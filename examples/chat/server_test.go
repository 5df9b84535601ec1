package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
)

func TestScriptedChat(t *testing.T) {
	for _, tc := range []struct {
		name  string
		where storeFlags
	}{
		{name: "memory", where: storeFlags{memory: true}},
		{name: "bbolt", where: storeFlags{dir: t.TempDir()}},
		{name: "postgres", where: storeFlags{postgres: postgresDSN(t)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "postgres" && tc.where.postgres == "" {
				t.Skip("no PostgreSQL: set HERALD_POSTGRES_DSN or start the machine's server")
			}
			assert.NoError(t, run(context.Background(), tc.where, ""))
		})
	}
}

// runCaptured runs the scripted chat on dir and returns what it printed.
func runCaptured(t *testing.T, dir string) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	read := make(chan string)
	go func() {
		out, _ := io.ReadAll(r)
		read <- string(out)
	}()
	err = run(context.Background(), storeFlags{dir: dir}, "")
	os.Stdout = stdout
	require.NoError(t, w.Close())
	out := <-read
	require.NoError(t, err, out)
	return out
}

// TestScriptedChatResumes runs the scripted chat twice on one file: the
// second run's read model resumes from the checkpoint the first saved,
// holds the first run's messages before it chats, and both runs feature
// the message liked three times, caused by its third like.
func TestScriptedChatResumes(t *testing.T) {
	dir := t.TempDir()
	first := runCaptured(t, dir)
	assert.Contains(t, first, "the read model has no checkpoint")
	assert.Contains(t, first, "event communication.message.featured revision 5 position 8")
	assert.Contains(t, first, "3 likes, featured")

	second := runCaptured(t, dir)
	resumed := "the read model resumes from its checkpoint at position 8 (the log's head is 8), not rebuilt\n" +
		"the read model at position 8:\n" +
		"  hey, how are you?    by jane.doe@example.com   3 likes, featured\n" +
		"  fine, and you?       by john.doe@example.com   1 likes\n"
	assert.Contains(t, second, resumed)
	assert.Contains(t, second, "event communication.message.featured revision 5 position 16")
	assert.Contains(t, second, "the log holds 16 events (4 messages sent)")

	store, err := boltstore.Open(filepath.Join(dir, "chat.db"))
	require.NoError(t, err)
	defer store.Close()
	var featured []herald.Event
	byID := make(map[uuid.UUID]herald.Event)
	for e, err := range store.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		byID[e.ID] = e
		if e.Name == "featured" {
			featured = append(featured, e)
		}
	}
	require.Len(t, featured, 2, "each run features one message, once")
	for _, f := range featured {
		cause := byID[f.Metadata.CausationID]
		assert.Equal(t, "liked", cause.Name)
		assert.Equal(t, f.Aggregate, cause.Aggregate)
		assert.Equal(t, uint64(4), cause.Metadata.Revision, "the third like is the message's fourth event")
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
	assert.Contains(t, string(body), `"/push/ws/chat"`, "the page follows the stream over WebSocket with ?transport=websocket")
}

// TestStreamAuthorization reads the push stream as john, as server-sent
// events and over WebSocket: he gets jane's message and his like, and not
// jane's star, which comes between them.
func TestStreamAuthorization(t *testing.T) {
	base := startChat(t)
	status, answer := post(t, base+"/messages?user=jane", `{"text":"hi"}`)
	require.Equal(t, http.StatusOK, status, answer)
	id := answer["id"].(string)
	status, _ = post(t, base+"/messages/"+id+"/star?user=jane", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = post(t, base+"/messages/"+id+"/like?user=john", "")
	require.Equal(t, http.StatusOK, status)

	for transport, events := range map[string]func(t *testing.T, base, user string, n int) []string{
		"sse": sseEvents, "websocket": webSocketEvents,
	} {
		t.Run(transport, func(t *testing.T) {
			assert.Equal(t, []string{"communication.message.sent", "communication.message.liked"}, events(t, base, "john", 2))
			assert.Equal(t, []string{"communication.message.sent", "communication.message.starred", "communication.message.liked"}, events(t, base, "jane", 3))
			assert.Equal(t, []string{"communication.message.sent", "communication.message.liked"}, events(t, base, "", 2), "anonymous")
		})
	}
}

// sseEvents returns the names of the first n events of the chat's stream
// from the start of the log, read as user as server-sent events.
func sseEvents(t *testing.T, base, user string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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

// webSocketEvents is sseEvents over WebSocket, at /push/ws/chat.
func webSocketEvents(t *testing.T, base, user string, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/push/ws/chat?lastEventId=0&user="+user, nil)
	require.NoError(t, err)
	defer ws.CloseNow()
	var names []string
	for len(names) < n {
		_, data, err := ws.Read(ctx)
		require.NoError(t, err)
		var e herald.Event
		require.NoError(t, json.Unmarshal(data, &e), "message %s", data)
		names = append(names, e.FullName())
	}
	return names
}
