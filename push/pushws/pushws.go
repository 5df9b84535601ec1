package pushws

import (
	"context"
	"net/http"
	"strings"

	"github.com/coder/websocket"
	"github.com/herald-go/herald/push"
)

// Handler serves GET {prefix}{id} as a WebSocket of the stream id. It is
// an http.Handler; mount it with http.StripPrefix so the path left is the
// stream id.
type Handler struct {
	server  *push.Server
	options *websocket.AcceptOptions
}

// New returns a Handler for the streams of server. options, which may be
// nil, are passed to websocket.Accept (origins allowed, compression).
func New(server *push.Server, options *websocket.AcceptOptions) *Handler {
	return &Handler{server: server, options: options}
}

// ServeHTTP upgrades the request after push checked it and sends the
// stream until it ends. A stream the server ends (it closes, or the client
// was cut off) is closed with status 1013 (try again later); the client
// resumes by connecting again with the lastEventId query parameter set to
// the position of the last event it got. A request push refuses gets its
// HTTP answer (401, 403, 404, 400, 503) without an upgrade.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h == nil || h.server == nil || r == nil || r.URL == nil {
		http.Error(w, "pushws: no server or no request", http.StatusInternalServerError)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/")
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var ws *websocket.Conn
	h.server.ServeConn(w, r.WithContext(ctx), id, func() (push.Conn, error) {
		c, err := websocket.Accept(w, r, h.options)
		if err != nil {
			return nil, err
		}
		ws = c
		closed := ws.CloseRead(ctx) // ends when the client goes
		go func() { <-closed.Done(); cancel() }()
		return conn{ws}, nil
	})
	if ws == nil {
		return
	}
	if ctx.Err() != nil { // the client went, or its read failed
		_ = ws.CloseNow()
		return
	}
	_ = ws.Close(websocket.StatusTryAgainLater, closeReason)
}

// closeReason is the reason of the close frame that ends a stream the
// client did not close itself: the server closed, or the client was cut
// off for being slow.
const closeReason = "the stream ended: reconnect with lastEventId to resume"

// conn sends push messages as WebSocket text messages.
type conn struct{ ws *websocket.Conn }

func (c conn) Send(ctx context.Context, m push.Message) error {
	return c.ws.Write(ctx, websocket.MessageText, m.Data)
}
