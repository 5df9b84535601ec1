package push

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
)

// flushSize is about how many bytes a client gathers before it writes
// them; it writes sooner when nothing more is at hand.
const flushSize = 64 << 10

// errStop ends a stream that was told to end.
var errStop = errors.New("push: stream ending")

// client is one open stream: it runs on the request's goroutine, reads the
// store to catch up when it resumes from an older position, then follows
// the hub's ring, writing each event it may see.
type client struct {
	s        *Server
	stream   *stream
	user     *herald.User
	criteria *Criteria
	w        http.ResponseWriter
	rc       *http.ResponseController
	ctx      context.Context

	// conn, when set, carries the stream instead of w as server-sent
	// events: msgs gathers what flush sends, and cancelSend ends a send
	// under way when the client is cut off.
	conn       Conn
	msgs       []Message
	msgBytes   int // the size of the data in msgs
	sendCtx    context.Context
	cancelSend context.CancelFunc

	// pos is the position of the last event passed, sent or not: the
	// stream is exact up to it.
	pos uint64
	buf []byte

	// cursor is the sequence number of the next ring entry to read, valid
	// once following is set.
	cursor    atomic.Uint64
	following atomic.Bool

	// mu orders write deadlines: cut sets one in the past, and a write
	// sets one in the future only while the client is neither cut off nor
	// done.
	mu    sync.Mutex
	isCut bool
	done  bool
	cutCh chan struct{}
}

// serve streams until the client goes, the server closes, or the client
// is cut off. It starts after resume when resuming, else at the newest
// event the hub has.
func (c *client) serve(head bool, resume uint64, resuming bool) {
	h := c.s.hub
	h.add(c)
	defer h.remove(c)
	defer c.finish()

	c.pos = h.last.Load()
	if resuming && !c.resumeAt(resume) {
		return
	}
	if c.conn != nil {
		c.s.opened.Add(1)
		c.run()
		return
	}
	hdr := c.w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	if head {
		return
	}
	if err := c.rc.Flush(); err != nil {
		c.s.log.LogAttrs(c.ctx, slog.LevelError, "push: the response cannot be streamed",
			slog.String("stream", c.stream.def.ID), slog.Any("error", err))
		return
	}
	c.s.opened.Add(1)
	c.run()
}

// run catches up from the store until the ring holds pos, then follows
// the ring.
func (c *client) run() {
	h := c.s.hub
	for !c.stopping() {
		seq, ok := h.seek(c.pos)
		if ok {
			c.cursor.Store(seq)
			c.following.Store(true)
			c.follow()
			return
		}
		if err := c.catchUp(); err != nil {
			return
		}
	}
}

// resumeAt sets the position to resume after. A position past the head
// of the log, as from a log that was since replaced, resumes at the head.
func (c *client) resumeAt(resume uint64) bool {
	if resume <= c.pos {
		c.pos = resume
		return true
	}
	stats, err := c.s.store.Stats(c.ctx)
	if err != nil {
		c.s.log.LogAttrs(c.ctx, slog.LevelError, "push: cannot read the head of the log",
			slog.String("stream", c.stream.def.ID), slog.Any("error", err))
		httpError(c.w, http.StatusServiceUnavailable, "push: the log cannot be read")
		return false
	}
	c.pos = min(resume, stats.Head)
	return true
}

// catchUp sends the events of the store after pos, up to its head.
func (c *client) catchUp() error {
	for e, err := range c.s.store.ReadLog(c.ctx, c.pos) {
		if err != nil {
			if c.ctx.Err() == nil {
				c.s.log.LogAttrs(c.ctx, slog.LevelError, "push: cannot read the log",
					slog.String("stream", c.stream.def.ID), slog.Any("error", err))
			}
			return err
		}
		if c.stopping() {
			return errStop
		}
		if e.Metadata.Position <= c.pos {
			continue
		}
		c.pos = e.Metadata.Position
		c.buf = c.render(c.buf, &e, nil)
		if c.gathered() >= flushSize {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
	if c.gathered() > 0 {
		return c.flush()
	}
	return nil
}

// follow sends the ring's events from the cursor on, and heartbeats when
// there are none, until the stream ends.
func (c *client) follow() {
	h := c.s.hub
	beat := time.NewTicker(c.s.heartbeat)
	defer beat.Stop()
	for {
		wait := h.waitChan()
		next := h.next.Load()
		cur := c.cursor.Load()
		if cur < next {
			for ; cur < next && c.gathered() < flushSize; cur++ {
				e := h.at(cur)
				if e == nil {
					c.cut("it fell more than the buffer size behind", true)
					return
				}
				if e.ev.Metadata.Position <= c.pos {
					continue
				}
				c.pos = e.ev.Metadata.Position
				c.buf = c.render(c.buf, &e.ev, e)
			}
			c.cursor.Store(cur)
			if c.gathered() > 0 && c.flush() != nil {
				return
			}
			if c.stopping() {
				return
			}
			continue
		}
		select {
		case <-wait:
		case <-beat.C:
			if c.conn != nil {
				continue
			}
			c.buf = append(c.buf, heartbeat...)
			if c.flush() != nil {
				return
			}
		case <-c.ctx.Done():
			return
		case <-c.s.closing:
			return
		case <-c.cutCh:
			return
		}
	}
}

// render appends the frame of e to b when the stream selects e, its
// authorization allows the client, and the client's criteria hold. cached
// is e's ring entry, nil for an event read from the store, which render
// upcasts to the current version of its definition.
func (c *client) render(b []byte, e *herald.Event, cached *entry) []byte {
	se := c.stream.selects(e)
	if se == nil || !e.Metadata.Authorization.Allows(c.user) ||
		(c.criteria != nil && !c.criteria.Match(e)) {
		return b
	}
	out := b
	if err := recovered(func() (err error) {
		if cached != nil && cached.upcastErr != nil {
			return cached.upcastErr
		}
		if cached == nil {
			if err := c.s.registry.Upcast(e); err != nil {
				return err
			}
		}
		if c.conn != nil {
			return c.gather(e, se, cached)
		}
		out, err = c.encode(b, e, se, cached)
		return err
	}); err != nil {
		c.s.log.LogAttrs(c.ctx, slog.LevelWarn, "push: an event cannot be encoded and is not sent",
			slog.String("stream", c.stream.def.ID), slog.String("event", e.FullName()),
			slog.Uint64("position", e.Metadata.Position), slog.Any("error", err))
		return b
	}
	return out
}

// encode appends the frame of e as se sends it.
func (c *client) encode(b []byte, e *herald.Event, se *streamEvent, cached *entry) ([]byte, error) {
	if se.mapping == nil && cached != nil {
		frame, err := cached.envelopeFrame()
		if err != nil {
			return nil, err
		}
		return append(b, frame...), nil
	}
	data, err := payload(e, se, cached)
	if err != nil {
		return nil, err
	}
	return appendFrame(b, e, data), nil
}

// payload returns the JSON se sends for e: the stream's map of it, or its
// whole envelope. cached, when not nil, is e's entry in the hub, whose
// encodings every client shares.
func payload(e *herald.Event, se *streamEvent, cached *entry) ([]byte, error) {
	if se.mapping != nil {
		view := sync.OnceValues(func() (any, error) { return dataView(e.Data) })
		if cached != nil {
			view = cached.dataView
		}
		return se.mapping.render(nil, e, view)
	}
	if cached != nil {
		if _, err := cached.envelopeFrame(); err != nil {
			return nil, err
		}
		return cached.envelope, nil
	}
	return e.MarshalJSON()
}

// flush writes what is gathered, within the write timeout.
func (c *client) flush() error {
	if c.conn != nil {
		return c.send()
	}
	c.mu.Lock()
	if c.isCut {
		c.mu.Unlock()
		return errStop
	}
	_ = c.rc.SetWriteDeadline(time.Now().Add(c.s.writeTimeout)) // unsupported: no timeout
	c.mu.Unlock()
	_, err := c.w.Write(c.buf)
	if err == nil {
		err = c.rc.Flush()
	}
	c.buf = c.buf[:0]
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.cut("a write timed out", true)
	}
	return err
}

// stopping reports whether the stream must end.
func (c *client) stopping() bool {
	select {
	case <-c.ctx.Done():
		return true
	case <-c.s.closing:
		return true
	case <-c.cutCh:
		return true
	default:
		return false
	}
}

// cut cuts the client off: the stream ends, and a write under way is
// ended at once by a write deadline in the past. slow counts it in
// Status.CutOff. It may be called from any goroutine, any number of times;
// once the stream has ended it does nothing.
func (c *client) cut(why string, slow bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isCut || c.done {
		return
	}
	c.isCut = true
	close(c.cutCh)
	if c.conn != nil {
		c.cancelSend()
	} else {
		_ = c.rc.SetWriteDeadline(time.Unix(1, 0))
	}
	if slow {
		c.s.cutOff.Add(1)
	}
	c.s.log.LogAttrs(c.ctx, slog.LevelWarn, "push: a client is cut off",
		slog.String("stream", c.stream.def.ID), slog.String("reason", why))
}

// finish marks the stream ended: from now on cut leaves the connection,
// which may serve another request, alone. It clears the write deadline
// for that request.
func (c *client) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.conn == nil && !c.isCut {
		_ = c.rc.SetWriteDeadline(time.Time{})
	}
}

// recovered calls f and turns its panic, such as one of a data type's
// MarshalJSON, into an error.
func recovered(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errorf("panic: %v", p)
		}
	}()
	return f()
}
