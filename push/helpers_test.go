package push_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/memstore"
)

// patience is how long a test waits for something that should happen at
// once; it only bounds a test that fails.
const patience = time.Minute

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text"`
}

// Liked is the data of communication.message.liked.
type Liked struct {
	By string `json:"by,omitempty"`
}

// env is a publisher with memstore and membus, and a push server on a
// loopback httptest server.
type env struct {
	t     testing.TB
	store *memstore.Store
	bus   *membus.Bus
	pub   *herald.Publisher
	srv   *push.Server
	web   *httptest.Server
}

// newEnv builds an env whose server has opts and streams. Events published
// before are passed to before, which runs between the publisher and the
// server.
func newEnv(t testing.TB, streams []push.Stream, opts ...push.Option) *env {
	return newEnvAfter(t, nil, streams, opts...)
}

// newMemstore returns an empty memstore.
func newMemstore(t testing.TB) *memstore.Store {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	return s
}

func newEnvAfter(t testing.TB, before func(e *env), streams []push.Stream, opts ...push.Option) *env {
	t.Helper()
	e := &env{t: t, store: newMemstore(t)}
	var err error
	e.bus, err = membus.New()
	require.NoError(t, err)
	e.pub, err = herald.NewPublisher(e.store, e.bus)
	require.NoError(t, err)
	if before != nil {
		before(e)
	}
	e.srv, err = push.New(context.Background(), e.store, e.bus, opts...)
	require.NoError(t, err)
	require.NoError(t, e.srv.Register(streams...))
	e.web = httptest.NewServer(e.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		if err := e.srv.Close(ctx); err != nil && !errors.Is(err, herald.ErrClosed) {
			t.Errorf("close the push server: %v", err)
		}
		e.web.Close()
		_ = e.bus.Close(ctx)
		_ = e.store.Close()
	})
	return e
}

// message returns an event of a new message aggregate.
func message(name string, data any) herald.Event {
	return herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      name,
		Data:      data,
	}
}

// publish publishes ev, as user when user is not empty, and returns it as
// stored. Without an authorization of its own, ev is public: the tests of
// who receives what give theirs.
func (e *env) publish(user string, ev herald.Event) herald.Event {
	e.t.Helper()
	if ev.Metadata.Authorization == nil {
		ev.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	}
	return e.publishAsIs(user, ev)
}

// publishAsIs publishes ev, as user when user is not empty, with the
// publisher's defaults, and returns it as stored.
func (e *env) publishAsIs(user string, ev herald.Event) herald.Event {
	e.t.Helper()
	ctx := context.Background()
	if user != "" {
		ctx = herald.ContextWithUser(ctx, herald.User{ID: user})
	}
	stored, err := e.pub.Publish(ctx, ev)
	require.NoError(e.t, err)
	return stored
}

// withAuthorization returns ev with a as its authorization.
func withAuthorization(ev herald.Event, a herald.Authorization) herald.Event {
	ev.Metadata.Authorization = &a
	return ev
}

// say publishes a public message sent with text.
func (e *env) say(text string) herald.Event {
	e.t.Helper()
	return e.publish("", message("sent", Sent{Text: text}))
}

// request describes a stream request.
type request struct {
	header http.Header
	query  url.Values
	method string
}

func (e *env) url(id string, q url.Values) string {
	u := e.web.URL + "/streams/" + url.PathEscape(id)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// do sends a stream request and returns the response, whatever its
// status. The caller closes its body.
func (e *env) do(id string, r request) *http.Response {
	e.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, e.url(id, r.query), nil)
	require.NoError(e.t, err)
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	resp, err := e.web.Client().Do(req)
	require.NoError(e.t, err)
	return resp
}

// status sends a request and returns its status and body.
func (e *env) status(id string, r request) (int, string) {
	e.t.Helper()
	resp := e.do(id, r)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// open opens a stream and reads its messages in the background.
func (e *env) open(id string, r request) *sse {
	e.t.Helper()
	resp := e.do(id, r)
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e.t.Fatalf("open stream %q: %s: %s", id, resp.Status, body)
	}
	c := &sse{t: e.t, stream: &stream{resp: resp, frames: make(chan frame, 1<<16), ended: make(chan struct{})}}
	go c.read()
	e.t.Cleanup(c.close)
	return c
}

// frame is one message of a stream, or a comment.
type frame struct {
	ID, Event, Data string
	Comment         string
}

// sse reads a stream's messages; its methods fail t.
type sse struct {
	t testing.TB
	*stream
}

// stream is what the reader of a stream shares with the test.
type stream struct {
	resp   *http.Response
	frames chan frame
	ended  chan struct{}
	err    error // why reading ended, once ended is closed
}

// on returns c failing t instead, for a subtest.
func (c *sse) on(t *testing.T) *sse { return &sse{t: t, stream: c.stream} }

func (c *stream) read() {
	defer close(c.ended)
	defer close(c.frames)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var f frame
	var any bool
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if any {
				c.frames <- f
			}
			f, any = frame{}, false
			continue
		}
		any = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			f.Comment = value
		case "id":
			f.ID = value
		case "event":
			f.Event = value
		case "data":
			if f.Data != "" {
				f.Data += "\n"
			}
			f.Data += value
		}
	}
	c.err = sc.Err()
}

// next returns the next message or comment.
func (c *sse) next() frame {
	c.t.Helper()
	return c.nextBefore(time.After(patience), false)
}

// event returns the next message, skipping comments.
func (c *sse) event() frame {
	c.t.Helper()
	return c.nextBefore(time.After(patience), true)
}

func (c *sse) nextBefore(deadline <-chan time.Time, skipComments bool) frame {
	c.t.Helper()
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("the stream ended: %v", c.err)
			}
			if skipComments && f.Comment != "" {
				continue
			}
			return f
		case <-deadline:
			c.t.Fatal("no message came")
		}
	}
}

// ids returns the ids of the next n messages.
func (c *sse) ids(n int) []string {
	c.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = c.event().ID
	}
	return ids
}

// end waits for the stream to end and returns the messages it had left
// and the read error (nil for a clean end).
func (c *sse) end() ([]frame, error) {
	c.t.Helper()
	var rest []frame
	deadline := time.After(patience)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				<-c.ended
				return rest, c.err
			}
			if f.Comment == "" {
				rest = append(rest, f)
			}
		case <-deadline:
			c.t.Fatal("the stream did not end")
		}
	}
}

func (c *stream) close() {
	c.resp.Body.Close()
	<-c.ended
}

// eventually waits until cond holds; it fails the test only when it does
// not hold after a long time.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, patience, time.Millisecond, what)
}

// pos formats a position as a message id.
func pos(e herald.Event) string {
	return strconv.FormatUint(e.Metadata.Position, 10)
}

// statusOf returns what s.Status reports.
func statusOf(tb testing.TB, s *push.Server) push.Status {
	tb.Helper()
	st, err := s.Status(context.Background())
	require.NoError(tb, err)
	return st
}
