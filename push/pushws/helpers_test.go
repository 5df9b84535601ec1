package pushws_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushws"
)

// env is a pushtest.Env whose streams are served over WebSocket at
// /ws/{id} on a loopback server.
type env struct {
	*pushtest.Env
	t   *testing.T
	web *httptest.Server
}

func newEnv(t *testing.T, opts ...push.Option) *env {
	t.Helper()
	e := &env{Env: pushtest.New(t, opts...), t: t}
	mux := http.NewServeMux()
	mux.Handle("/ws/", http.StripPrefix("/ws/", pushws.New(e.Server, nil)))
	e.web = httptest.NewServer(mux)
	t.Cleanup(e.web.Close)
	return e
}

// url returns the WebSocket URL of stream id with query q.
func (e *env) url(id string, q url.Values) string {
	u := "ws" + strings.TrimPrefix(e.web.URL, "http") + "/ws/" + url.PathEscape(id)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// client is a WebSocket client of a stream that reads its messages in the
// background.
type client struct {
	t     *testing.T
	ws    *websocket.Conn
	msgs  chan []byte
	ended chan struct{}
	err   error // why reading ended, once ended is closed
}

// dial opens stream id with query q, waits until the server serves it,
// and reads its messages.
func (e *env) dial(id string, q url.Values) *client {
	e.t.Helper()
	open := e.Status().Clients
	ws, resp, err := websocket.Dial(context.Background(), e.url(id, q), nil)
	require.NoError(e.t, err, "dial stream %q", id)
	if resp.Body != nil {
		resp.Body.Close()
	}
	ws.SetReadLimit(-1)
	c := &client{t: e.t, ws: ws, msgs: make(chan []byte, 1<<12), ended: make(chan struct{})}
	go c.read()
	e.t.Cleanup(func() { _ = ws.CloseNow(); <-c.ended })
	e.WaitClients(open + 1)
	return c
}

func (c *client) read() {
	defer close(c.ended)
	defer close(c.msgs)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		c.msgs <- data
	}
}

// next returns the next message, decoded into a map.
func (c *client) next() map[string]any {
	c.t.Helper()
	select {
	case data, ok := <-c.msgs:
		if !ok {
			c.t.Fatalf("the stream ended: %v", c.err)
		}
		var m map[string]any
		require.NoError(c.t, json.Unmarshal(data, &m), "message %s", data)
		return m
	case <-time.After(pushtest.Patience):
		c.t.Fatal("no message came")
		return nil
	}
}

// end waits for the stream to end and returns why.
func (c *client) end() error {
	c.t.Helper()
	deadline := time.After(pushtest.Patience)
	for {
		select {
		case _, ok := <-c.msgs:
			if !ok {
				return c.err
			}
		case <-deadline:
			c.t.Fatal("the stream did not end")
		}
	}
}

// text returns the text of an envelope's data.
func text(m map[string]any) any {
	data, _ := m["data"].(map[string]any)
	return data["text"]
}

// position returns the position of an envelope.
func position(m map[string]any) uint64 {
	md, _ := m["metadata"].(map[string]any)
	p, _ := md["position"].(float64)
	return uint64(p)
}
