package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/match"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/jackc/pgx/v5"
)

// openTimeout is how long the command waits for a bbolt file that
// another process holds before it says so.
const openTimeout = 300 * time.Millisecond

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

// openFile opens the bbolt store at path; with create a missing file
// becomes a new store.
func openFile(path string, create bool) (*storeSource, error) {
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	}
	open := func() (herald.Store, error) {
		s, err := boltstore.Open(path, boltstore.WithOpenTimeout(openTimeout))
		if errors.Is(err, boltstore.ErrLocked) {
			return nil, fmt.Errorf("%s: %w", path, errInUse)
		}
		return s, err
	}
	s, err := open()
	if err != nil {
		return nil, err
	}
	return &storeSource{store: s, reopen: open, state: "stopped", poll: 500 * time.Millisecond, head: -1}, nil
}

// errInUse is the error of a file another process holds.
var errInUse = errors.New("the file is in use by a running application; use --url")

// openPostgres opens the pgstore store at dsn, in schema when given;
// without create, a schema that does not exist is an error, not a new
// store.
func openPostgres(ctx context.Context, dsn, schema string, create bool) (*storeSource, error) {
	if schema == "" {
		schema = pgstore.DefaultSchema
	}
	if !create {
		if err := checkSchema(ctx, dsn, schema); err != nil {
			return nil, err
		}
	}
	s, err := pgstore.Open(ctx, dsn, pgstore.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	return &storeSource{store: s, poll: 200 * time.Millisecond, head: -1}, nil
}

// checkSchema returns an error when the database at dsn has no schema
// named schema.
func checkSchema(ctx context.Context, dsn, schema string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("pgstore: connect: %w", err)
	}
	defer conn.Close(ctx)
	var found bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&found); err != nil {
		return fmt.Errorf("pgstore: look for schema %q: %w", schema, err)
	}
	if !found {
		return fmt.Errorf("the database has no schema %q, so no store there (import makes one; --schema names another)", schema)
	}
	return nil
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

// checkpointLister is the capability of the stores of this repository to
// list their checkpoints.
type checkpointLister interface {
	Checkpoints(ctx context.Context) (map[string]uint64, error)
}

func (s *storeSource) consumers(ctx context.Context, names []string) ([]consumerStatus, error) {
	cs, ok := s.store.(driver.CheckpointStore)
	if !ok {
		return nil, errNotSupported("listing consumers", fmt.Sprintf("%T keeps no checkpoints", s.store))
	}
	all := map[string]uint64{}
	if l, ok := s.store.(checkpointLister); ok {
		var err error
		if all, err = l.Checkpoints(ctx); err != nil {
			return nil, err
		}
	}
	if err := boltProjections(s.store, all); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := all[n]; ok {
			continue
		}
		cp, err := cs.LoadCheckpoint(ctx, n)
		if err != nil {
			return nil, err
		}
		all[n] = cp
	}
	st, err := s.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]consumerStatus, 0, len(all))
	for name, cp := range all {
		list = append(list, consumerStatus{Name: name, Checkpoint: cp, Lag: st.Head - min(cp, st.Head), State: s.state})
	}
	slices.SortFunc(list, func(a, b consumerStatus) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

func (s *storeSource) deadLetterStore() (driver.DeadLetterStore, error) {
	d, ok := s.store.(driver.DeadLetterStore)
	if !ok {
		return nil, errNotSupported("dead letters", fmt.Sprintf("%T keeps none", s.store))
	}
	return d, nil
}

func (s *storeSource) deadLetters(ctx context.Context, consumer string) ([]herald.DeadLetter, error) {
	d, err := s.deadLetterStore()
	if err != nil {
		return nil, err
	}
	var all []herald.DeadLetter
	for l, err := range d.DeadLetters(ctx, consumer) {
		if err != nil {
			return nil, err
		}
		all = append(all, l)
	}
	return all, nil
}

func (s *storeSource) replay(context.Context, string, uuid.UUID) error {
	return errNotSupported("replay", "it runs the consumer's handler, which only the running application has; use --url")
}

func (s *storeSource) discard(ctx context.Context, consumer string, id uuid.UUID) error {
	d, err := s.deadLetterStore()
	if err != nil {
		return err
	}
	return d.DeleteDeadLetter(ctx, consumer, id)
}
