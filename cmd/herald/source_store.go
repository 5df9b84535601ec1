package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// storeSource is a source over a store the command opened itself.
type storeSource struct {
	store herald.Store
	// reopen, for a file, opens it again: following the log closes the
	// file between polls, so that other processes may write to it.
	reopen func() (herald.Store, error)
	// state is what the consumers of the store are doing, as far as the
	// command knows: "stopped" for a file it holds, "" when unknown.
	state string
	// poll is the wait between two reads of a followed log.
	poll time.Duration
	// head is the highest position appendBatch knows of, -1 before the
	// first append.
	head int64
}

func (s *storeSource) query(ctx context.Context, q herald.Query) (herald.Page, error) {
	return s.store.Query(ctx, q)
}

func (s *storeSource) stats(ctx context.Context) (herald.Stats, error) {
	return s.store.Stats(ctx)
}

func (s *storeSource) close() error {
	if s.store == nil {
		return nil
	}
	c, ok := s.store.(interface{ Close() error })
	s.store = nil
	if !ok {
		return nil
	}
	return c.Close()
}

// readLog reads the log; following it, it reads again every poll, and
// closes a file in between.
func (s *storeSource) readLog(ctx context.Context, after uint64, names []string, follow bool, fn func(*herald.Event) error) error {
	m, err := match.ParseNames(names...)
	if err != nil {
		return err
	}
	for {
		if after, err = s.readOnce(ctx, after, m, fn); err != nil {
			if follow && ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !follow {
			return nil
		}
		if err := s.pause(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// readOnce reads the log after a position up to its head, and returns
// the position it reached.
func (s *storeSource) readOnce(ctx context.Context, after uint64, m match.Names, fn func(*herald.Event) error) (uint64, error) {
	for e, err := range s.store.ReadLog(ctx, after) {
		if err != nil {
			return after, err
		}
		after = e.Metadata.Position
		if !m.Match(&e) {
			continue
		}
		if err := fn(&e); err != nil {
			return after, err
		}
	}
	return after, nil
}

// pause waits for the next poll, with a file closed meanwhile; it returns
// ctx's error when ctx ends first, and the error of a file that another
// process holds for longer than inUsePatience.
func (s *storeSource) pause(ctx context.Context) error {
	if s.reopen != nil {
		if err := s.close(); err != nil {
			return err
		}
	}
	var inUseSince time.Time
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.poll):
		}
		if s.store != nil {
			return nil
		}
		st, err := s.reopen()
		switch {
		case err == nil:
			s.store = st
			return nil
		case !errors.Is(err, errInUse):
			return err
		case inUseSince.IsZero(): // a writer may hold it for a moment
			inUseSince = time.Now()
		case time.Since(inUseSince) > inUsePatience: // an application holds it
			return err
		}
	}
}

// inUsePatience is how long a followed file may stay in use before the
// command takes it for held by a running application.
const inUsePatience = 5 * time.Second

func (s *storeSource) appendBatch(ctx context.Context, events []herald.Event) (int, error) {
	if s.head < 0 {
		st, err := s.store.Stats(ctx)
		if err != nil {
			return 0, err
		}
		s.head = int64(st.Head)
	}
	for i := range events {
		events[i].Metadata.Position = 0
	}
	err := s.store.Append(ctx, events)
	if errors.Is(err, herald.ErrDuplicate) {
		return s.appendEach(ctx, events)
	}
	if err != nil {
		return 0, err
	}
	return s.skipped(events), nil
}

// appendEach appends the events of a batch stored in part one at a time:
// the store acknowledges each one stored already.
func (s *storeSource) appendEach(ctx context.Context, events []herald.Event) (int, error) {
	skipped := 0
	for i := range events {
		if err := s.store.Append(ctx, events[i:i+1]); err != nil {
			return skipped, &partialError{why: "some of its events were stored already", stored: i, err: err}
		}
		skipped += s.skipped(events[i : i+1])
	}
	return skipped, nil
}

// skipped counts the appended events that were stored already: the store
// gave them the positions they had, at most the head before the append,
// where it gave the new ones positions after it.
func (s *storeSource) skipped(events []herald.Event) int {
	n := 0
	head := s.head
	for i := range events {
		pos := int64(events[i].Metadata.Position)
		if pos <= s.head {
			n++
		}
		head = max(head, pos)
	}
	s.head = head
	return n
}

// partialError is the failure of a batch appended event by event, of
// which the first events are stored; why says why it was.
type partialError struct {
	why    string
	stored int
	err    error
}

func (e *partialError) Error() string {
	return fmt.Sprintf("%s, so it was appended event by event; its first %d events are stored: %v", e.why, e.stored, e.err)
}

func (e *partialError) Unwrap() error { return e.err }
