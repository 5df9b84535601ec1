package pushsocketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// Design notes
//
// Each socket of a tenant's namespace goes through a middleware (connect)
// that builds the stream's request from the handshake and starts a
// goroutine running push.Server.ServeConn on it. push checks the request
// and calls upgrade only for a client it lets in: upgrade lets the
// socket.io connection complete (the middleware's next), waits until it
// has, and hands push the socket's conn. A client push refuses gets its
// answer as the middleware's error, which socket.io sends as
// connect_error.
//
// The request's context ends when the socket disconnects or its
// connection closes (the engine's "close", which also covers a client
// gone before its connection completed, when socket.io reports no
// disconnect), or when Close is called: so every stream of a client that
// went ends, and with it its goroutine. When the stream ends first, the
// goroutine closes the connection.

// Server is a socket.io server of a push.Server's streams: an
// http.Handler for socket.io's path, usually /socket.io/. Build it with
// New; Close ends every connection.
type Server struct {
	push    *push.Server
	io      *socket.Server
	handler http.Handler
	label   string
	log     *slog.Logger

	ctx    context.Context // ends at Close, and every stream with it
	cancel context.CancelFunc

	mu      sync.Mutex
	closed  bool
	streams sync.WaitGroup
}

// New returns a socket.io server of the streams of server, which the
// caller closes apart. A nil server or an invalid option is an error
// matching [herald.ErrInvalid].
func New(server *push.Server, opts ...Option) (*Server, error) {
	if server == nil {
		return nil, fmt.Errorf("pushsocketio: new: the push server is nil: %w", herald.ErrInvalid)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	o := socket.DefaultServerOptions()
	o.SetServeClient(false)
	// A namespace is made for each tenant a client names: it goes once
	// its last client has.
	o.SetCleanupEmptyChildNamespaces(true)
	if cfg.pingInterval > 0 {
		o.SetPingInterval(cfg.pingInterval)
		o.SetPingTimeout(cfg.pingTimeout)
	}
	s := &Server{push: server, label: cfg.label, log: cfg.logger, io: socket.NewServer(nil, o)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.io.Use(func(_ *socket.Socket, next func(*socket.ExtendedError)) {
		next(socket.NewExtendedError("pushsocketio: connect to the namespace of your tenant, as in io(\"/acme?stream=…\")",
			map[string]any{"status": http.StatusNotFound}))
	})
	isTenant := func(name string, _ map[string]any, next func(error, bool)) {
		_, ok := tenantOf(name)
		next(nil, ok)
	}
	s.io.Of(socket.ParentNspNameMatchFn(&isTenant), nil).Use(s.connect)
	s.handler = s.io.ServeHandler(o)
	return s, nil
}

// ServeHTTP serves socket.io's requests, polling and WebSocket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s == nil || s.handler == nil || r == nil || r.URL == nil {
		http.Error(w, "pushsocketio: no server or no request", http.StatusInternalServerError)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// Close ends every stream and closes every connection, then waits until
// the streams' goroutines have ended or ctx ends, whose error it then
// returns. It does not close the push server. A second Close is
// [herald.ErrClosed].
func (s *Server) Close(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("pushsocketio: close: the context is nil: %w", herald.ErrInvalid)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("pushsocketio: close: %w", herald.ErrClosed)
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.io.Close(nil)
	ended := make(chan struct{})
	go func() { s.streams.Wait(); close(ended) }()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pushsocketio: close: %w", ctx.Err())
	}
}

// enter counts a stream in, or returns false once the server is closed.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.streams.Add(1)
	return true
}

// connect is the middleware of the tenants' namespaces: it opens the
// stream the socket asks for, on a goroutine of its own, which lets the
// socket connect once push lets it in, or refuses it with push's answer.
func (s *Server) connect(sock *socket.Socket, next func(*socket.ExtendedError)) {
	tenant, _ := tenantOf(sock.Nsp().Name())
	ctx, cancel := context.WithCancel(s.ctx)
	gone := func(...any) { cancel() }
	eio := sock.Conn()
	_ = eio.Once("close", gone)
	_ = sock.On("disconnect", gone)
	if state := eio.ReadyState(); state == "closing" || state == "closed" {
		cancel()
	}
	id, r, err := streamRequest(ctx, sock, s.label, tenant)
	if err != nil {
		cancel()
		next(socket.NewExtendedError(err.Error(), map[string]any{"status": http.StatusBadRequest}))
		return
	}
	if !s.enter() {
		cancel()
		next(socket.NewExtendedError("pushsocketio: the server is closed", map[string]any{"status": http.StatusServiceUnavailable}))
		return
	}
	go func() {
		defer s.streams.Done()
		defer cancel()
		s.serve(ctx, sock, id, r, next)
	}()
}

// errGone ends a stream whose client went before it connected.
var errGone = errors.New("pushsocketio: the client went")

// serve serves stream id to sock until the stream ends.
func (s *Server) serve(ctx context.Context, sock *socket.Socket, id string, r *http.Request, next func(*socket.ExtendedError)) {
	var w answer
	upgraded := false
	s.push.ServeConn(&w, r, id, func() (push.Conn, error) {
		upgraded = true
		next(nil)
		// socket.io connects the socket on its task queue: once this
		// task runs after it, the socket is connected, unless the
		// client went.
		ready := make(chan struct{})
		sock.Enqueue(func() { close(ready) })
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, errGone
		}
		if !sock.Connected() {
			return nil, errGone
		}
		return newConn(sock), nil
	})
	if !upgraded {
		next(w.refusal())
		return
	}
	if ctx.Err() == nil {
		// The stream ended first: the server closes, or the client was
		// cut off for being slow.
		s.log.LogAttrs(ctx, slog.LevelInfo, "pushsocketio: a stream ended, closing its connection",
			slog.String("stream", id), slog.String("namespace", sock.Nsp().Name()))
		sock.Disconnect(true)
	}
}
