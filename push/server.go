package push

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/excerpt"
)

// Design notes
//
// The server follows the log with one consumer of an [engine.Engine] on
// its bus, from the head of the log at New. The bus side of that
// subscription only buffers what comes, so publishers are never held up;
// the engine's goroutine puts the events in position order, reading from
// the store whatever the bus brought out of order or not at all, and hands
// them to the hub (hub.go): a ring of the newest events, the buffer size
// of them, that every client reads at its own pace. So an event costs the
// publisher the same whatever the number of clients, and its envelope is
// encoded once for all of them. The buffer is counted in events of the
// whole log, not only those a client would be sent: it measures how far
// behind the client is. A client that resumes from before the ring's
// oldest event reads the store until it reaches the ring.
//
// New starts two goroutines: the engine's, and a notifier that wakes
// waiting clients and cuts off those that fell behind. Each stream runs on
// its request's goroutine, which net/http owns. Close refuses new
// requests, tells every stream to end (each ends its response cleanly
// after the write under way) and waits for them, then stops both
// goroutines; if its context ends first it cuts the remaining streams off.

// Server serves registered streams as server-sent events at
// GET /streams/{id}. Build one with New and register streams with
// Register; it is an http.Handler, safe for concurrent use, and may be
// mounted under a prefix with http.StripPrefix. Close ends every stream.
type Server struct {
	store        herald.Store
	registry     *herald.Registry
	auth         Authenticator
	heartbeat    time.Duration
	writeTimeout time.Duration
	log          *slog.Logger

	hub *hub
	mux *http.ServeMux

	regMu   sync.Mutex
	streams atomic.Pointer[map[string]*stream]

	mu      sync.Mutex
	closed  bool
	active  int           // requests being served
	idle    chan struct{} // closed once closed and active is 0
	closing chan struct{} // closed by Close

	opened atomic.Uint64
	cutOff atomic.Uint64
}

// Status describes a Server at a moment: the engine that follows the log
// for it (its position, the log's head, the lag, its state and last
// error) and the server's own counters, read one by one.
type Status struct {
	engine.Status
	// Streams is the number of streams registered.
	Streams int
	// Clients is the number of streams open now.
	Clients int
	// Opened counts the streams opened since the server started.
	Opened uint64
	// CutOff counts the clients cut off for being slow: for falling more
	// than the buffer size behind, or for a write that timed out.
	CutOff uint64
}

// New returns a server that sends the events of store, following them
// live as bus delivers them from the head of the log at New. It starts two
// goroutines, its [engine.Engine]'s and a notifier's, which run until
// [Server.Close]; streams run on their requests' goroutines. A nil bus
// makes it poll the store instead ([WithPollInterval]). A nil ctx or store,
// an invalid option, or a subscription name taken on the bus is an error
// matching [herald.ErrInvalid].
func New(ctx context.Context, store herald.Store, bus herald.Bus, opts ...Option) (*Server, error) {
	if ctx == nil {
		return nil, errorf("new: the context is nil: %w", herald.ErrInvalid)
	}
	o, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errorf("new: the store is nil: %w", herald.ErrInvalid)
	}
	stats, err := store.Stats(ctx)
	if err != nil {
		return nil, errorf("new: read the head of the log: %w", err)
	}
	h := newHub(o.bufferSize, stats.Head)
	registry := cmp.Or(o.registry, driver.RegistryOf(store))
	var live engine.Feed
	if bus != nil {
		f, err := subscribeFeed(bus, o.name)
		if err != nil {
			return nil, errorf("new: %w", err)
		}
		h.feed, live = f, f
	}
	h.engine, err = engine.New(engine.Config{
		Kind: "push", Name: o.name, Log: store, Feed: live, PollInterval: o.pollInterval, Logger: o.logger,
	}, hubConsumer{h: h, registry: registry})
	if err != nil {
		if h.feed != nil {
			_ = h.feed.close(ctx)
		}
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel, h.ran = cancel, make(chan struct{})
	go func() {
		defer close(h.ran)
		_ = h.engine.Run(runCtx)
	}()
	go h.notify()
	s := &Server{
		store:        store,
		registry:     registry,
		auth:         o.auth,
		heartbeat:    o.heartbeat,
		writeTimeout: o.writeTimeout,
		log:          o.logger,
		hub:          h,
		mux:          http.NewServeMux(),
		idle:         make(chan struct{}),
		closing:      make(chan struct{}),
	}
	s.streams.Store(&map[string]*stream{})
	s.mux.HandleFunc("GET /streams/{id}", s.serveStream)
	return s, nil
}

// Register checks streams and adds them, all or none: an empty or taken
// id, no events, a malformed event name, a stream no one could open, an
// event name the strict registry does not define ([WithRegistry]) or a
// Map path that cannot exist is an error matching herald.ErrInvalid that
// names the stream and what is wrong, and nothing is added. The server
// keeps copies: changing a Stream after Register changes nothing. After
// Close it returns an error matching herald.ErrClosed.
func (s *Server) Register(streams ...Stream) error {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	if s.isClosed() {
		return errorf("register: %w", herald.ErrClosed)
	}
	next := maps.Clone(*s.streams.Load())
	var errs []error
	for _, def := range streams {
		st, err := compileStream(def, s.registry)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, taken := next[st.def.ID]; taken {
			errs = append(errs, errorf("stream %q: the id is taken: %w", st.def.ID, herald.ErrInvalid))
			continue
		}
		next[st.def.ID] = st
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	s.streams.Store(&next)
	return nil
}

// Streams returns copies of the registered streams, ordered by id.
func (s *Server) Streams() []Stream {
	m := *s.streams.Load()
	out := make([]Stream, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id].def.clone())
	}
	return out
}

// Status describes the server now. It asks the store for the log's head.
// A nil ctx is an error matching [herald.ErrInvalid].
func (s *Server) Status(ctx context.Context) (Status, error) {
	if ctx == nil {
		return Status{}, errorf("status: the context is nil: %w", herald.ErrInvalid)
	}
	es, err := s.hub.engine.Status(ctx)
	if err != nil {
		return Status{}, err
	}
	return Status{
		Status:  es,
		Streams: len(*s.streams.Load()),
		Clients: s.hub.count(),
		Opened:  s.opened.Load(),
		CutOff:  s.cutOff.Load(),
	}, nil
}

// ServeHTTP serves GET (and HEAD) /streams/{id} as the package overview
// describes. It answers 404 Not Found for other paths and unknown streams,
// 401 or 403 to a client that may not open the stream, 400 Bad Request for
// malformed criteria or Last-Event-ID and for a nil request or one without
// a URL, 405 Method Not Allowed for other methods, and 503 Service
// Unavailable once the server is closed. An event whose data cannot be
// encoded is logged and skipped.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r == nil || r.URL == nil {
		httpError(w, http.StatusBadRequest, "push: the request has no URL")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Close ends every stream and stops the server, as http.Server.Shutdown
// does: it refuses new requests (503), lets every open stream end after the
// write under way, and waits for them. If ctx ends first it cuts the rest
// off at once and returns an error wrapping ctx.Err() without waiting for
// their handlers. Then it leaves the bus and stops its goroutines; it
// closes neither the store nor the bus. Call it before http.Server.Shutdown
// (or register it with RegisterOnShutdown), which waits for streams that
// never end. A second Close is [herald.ErrClosed]; a nil ctx is
// [herald.ErrInvalid], and the server goes on.
func (s *Server) Close(ctx context.Context) error {
	if ctx == nil {
		return errorf("close: the context is nil: %w", herald.ErrInvalid)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errorf("close: %w", herald.ErrClosed)
	}
	s.closed = true
	close(s.closing)
	if s.active == 0 {
		close(s.idle)
	}
	s.mu.Unlock()

	var errs []error
	select {
	case <-s.idle:
	case <-ctx.Done():
		for _, c := range s.hub.all() {
			c.cut("the server is closing", false)
		}
		errs = append(errs, errorf("close: %w", ctx.Err()))
	}
	s.hub.cancel()
	select {
	case <-s.hub.ran:
	case <-ctx.Done():
	}
	if s.hub.feed != nil {
		if err := s.hub.feed.close(ctx); err != nil && ctx.Err() == nil {
			errs = append(errs, err)
		}
	}
	close(s.hub.stop)
	<-s.hub.stopped
	return errors.Join(errs...)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// enter counts a request in, or returns false once the server is closed.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.active++
	return true
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.closed && s.active == 0 {
		close(s.idle)
	}
}

// serveStream answers GET /streams/{id}.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	s.open(w, r, nil)
}

// open checks the request for the stream of its path value id and serves
// it, as server-sent events when upgrade is nil, else over its Conn.
func (s *Server) open(w http.ResponseWriter, r *http.Request, upgrade func() (Conn, error)) {
	if !s.enter() {
		httpError(w, http.StatusServiceUnavailable, "push: the server is closed")
		return
	}
	defer s.leave()

	id := r.PathValue("id")
	st := (*s.streams.Load())[id]
	if st == nil {
		httpError(w, http.StatusNotFound, fmt.Sprintf("push: stream %s not found", excerpt.Quote(id)))
		return
	}
	user, roles, panicked, err := authenticate(s.auth, r)
	switch {
	case panicked:
		s.log.LogAttrs(r.Context(), slog.LevelError, "push: the authenticator panicked",
			slog.String("stream", id), slog.Any("error", err))
		httpError(w, http.StatusInternalServerError, "push: authentication failed")
		return
	case err != nil:
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "push: authentication failed",
			slog.String("stream", id), slog.String("remote", r.RemoteAddr), slog.Any("error", err))
		httpError(w, http.StatusUnauthorized, "push: authentication failed")
		return
	}
	switch st.mayOpen(user, roles) {
	case accessSignIn:
		httpError(w, http.StatusUnauthorized, fmt.Sprintf("push: stream %q: sign in with one of its roles", id))
		return
	case accessForbidden:
		httpError(w, http.StatusForbidden, fmt.Sprintf("push: stream %q: you hold none of its roles", id))
		return
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("push: malformed query: %v", err))
		return
	}
	resume, resuming, err := lastEventID(r, query)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	criteria, err := parseCriteria(query)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	c := &client{
		s: s, stream: st, user: user, criteria: criteria,
		w: w, rc: http.NewResponseController(w), ctx: r.Context(),
		cutCh: make(chan struct{}),
	}
	if upgrade != nil {
		if c.conn, err = upgrade(); err != nil || c.conn == nil {
			return
		}
		c.sendCtx, c.cancelSend = context.WithCancel(r.Context())
		defer c.cancelSend()
	}
	c.serve(r.Method == http.MethodHead, resume, resuming)
}

// httpError answers with a status and a one-line plain text message.
//
// A message that quotes what the request sent quotes a short prefix of it
// (internal/excerpt); msg is cut to a bounded length as well.
func httpError(w http.ResponseWriter, code int, msg string) {
	http.Error(w, strings.ReplaceAll(excerpt.Text(msg), "\n", " "), code)
}
