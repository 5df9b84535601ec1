package httpapi

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
	"github.com/herald-go/herald/match"
)

// logParams are the parameters GET /events/log takes.
var logParams = []string{"after", "name", "follow"}

// flushEvery is how many lines a log stream writes between flushes while
// it catches up; once it follows, it flushes every line.
const flushEvery = 256

// logStream is one GET /events/log answer being written.
type logStream struct {
	h      *Handler
	w      http.ResponseWriter
	rc     *http.ResponseController
	c      *caller
	names  match.Names
	after  uint64 // the position of the last event read
	buf    []byte
	unsent int // lines written since the last flush
}

// getLog answers GET /events/log: the events after a position, in
// position order, as NDJSON; with follow=true, then every new event until
// the client goes away.
func (h *Handler) getLog(w http.ResponseWriter, r *http.Request) {
	c, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	v, p := queryOf(r)
	if p == nil {
		p = unknownParams(v, logParams)
	}
	if p != nil {
		writeProblem(w, p)
		return
	}
	s := &logStream{h: h, w: w, rc: http.NewResponseController(w), c: c}
	var err error
	if s.names, err = match.ParseNames(v["name"]...); err != nil {
		writeProblem(w, badParameter("name", err.Error()))
		return
	}
	if a := v.Get("after"); a != "" {
		if s.after, err = strconv.ParseUint(a, 10, 64); err != nil {
			writeProblem(w, badParameter("after", "want a position, an integer of 0 or more, got "+excerpt.Quote(a)))
			return
		}
	}
	follow, err := strconv.ParseBool(cmp.Or(v.Get("follow"), "false"))
	if err != nil {
		writeProblem(w, badParameter("follow", "want true or false, got "+excerpt.Quote(v.Get("follow"))))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if err := s.run(r.Context(), follow); err != nil && r.Context().Err() == nil {
		h.cfg.logger.ErrorContext(r.Context(), "httpapi: the log stream ended early", "after", s.after, "error", err)
	}
}

// run writes the events after s.after up to the head, then, following,
// waits for more until ctx ends.
func (s *logStream) run(ctx context.Context, follow bool) error {
	if err := s.sendHeader(); err != nil {
		return err
	}
	if err := s.copyLog(ctx, false); err != nil {
		return err
	}
	if err := s.flush(); err != nil || !follow {
		return err
	}
	tick := time.NewTicker(s.h.cfg.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		stats, err := s.h.store.Stats(ctx)
		if err != nil {
			return err
		}
		if stats.Head <= s.after {
			continue
		}
		if err := s.copyLog(ctx, true); err != nil {
			return err
		}
	}
}

// copyLog writes the events after s.after, up to the head as it is now,
// that the caller may see and the names select; live, it flushes each.
func (s *logStream) copyLog(ctx context.Context, live bool) error {
	for e, err := range s.h.store.ReadLog(ctx, s.after) {
		if err != nil {
			return err
		}
		s.after = e.Metadata.Position
		if !s.names.Match(&e) || !s.c.sees(&e) {
			continue
		}
		if err := s.write(&e); err != nil {
			return err
		}
		if live || s.unsent >= flushEvery {
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
	return s.flush()
}

func (s *logStream) write(e *herald.Event) error {
	b, err := e.MarshalJSON()
	if err != nil {
		return err
	}
	s.buf = append(append(s.buf[:0], b...), '\n')
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	s.unsent++
	return nil
}

func (s *logStream) flush() error {
	if s.unsent == 0 {
		return nil
	}
	s.unsent = 0
	return s.sendHeader()
}

// sendHeader flushes what was written, the header at least, so that a
// follower learns the stream is open before the first event comes.
func (s *logStream) sendHeader() error {
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
