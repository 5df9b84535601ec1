package boltstore

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Group commit. Callers queue requests and wait; one goroutine, the
// committer, takes everything queued at once, writes it in one bbolt
// transaction and commits it with one fsync, then wakes the callers. While
// it commits, new requests queue up for the next transaction, so the more
// callers wait, the more each commit carries. There is no timer (bbolt's
// DB.Batch waits up to 10 ms): a lone caller is committed at once. An
// append whose context ends while it waits in the queue is dropped and
// returns the context's error; once the committer took it, it is
// committed whatever the context does.

type reqKind uint8

const (
	kindAppend reqKind = iota
	kindSnapshot
	kindCheckpoint
)

// States of a request.
const (
	reqPending int32 = iota
	reqTaken
	reqCancelled
)

// request is one caller's write, waiting for the committer.
type request struct {
	kind reqKind

	// An append: the caller's events, their envelopes encoded one after the
	// other (ends[i] is where event i's ends) and the time stamped on
	// those without one.
	events []herald.Event
	values []byte
	ends   []int
	now    time.Time
	outbox bool
	// personal are the events whose personal fields the writer seals.
	personal []personal

	// What the append got: the first position and each revision, or the
	// stored envelopes when every event was stored before.
	first     uint64
	revs      []uint64
	allStored bool
	stored    []herald.Event

	// A snapshot or a checkpoint.
	snap       herald.Snapshot
	checkpoint string
	position   uint64

	err   error
	state atomic.Int32
	done  chan struct{}
}

var requests = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

// maxPooled is the size above which a request's buffers are not kept for
// reuse.
const maxPooled = 1 << 20

func getRequest() *request {
	r := requests.Get().(*request)
	r.state.Store(reqPending)
	return r
}

func putRequest(r *request) {
	if cap(r.values) > maxPooled || cap(r.stored) > 4096 {
		return
	}
	clear(r.stored)
	*r = request{
		values: r.values[:0], ends: r.ends[:0], revs: r.revs[:0], stored: r.stored[:0],
		personal: r.personal[:0], done: r.done,
	}
	requests.Put(r)
}

// posRange is the positions from first to last.
type posRange struct{ first, last uint64 }

// marksThreshold is how many delivered marks wait for the next append
// before the committer writes them in a transaction of their own.
const marksThreshold = 1024

// submit queues req and waits until the committer has handled it. When ctx
// ends before the committer took req, req is dropped and submit returns
// ctx's error; once taken, it waits for the outcome.
func (s *Store) submit(ctx context.Context, req *request) error {
	if err := s.refuseInsideTx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return herald.ErrClosed
	}
	s.queue = append(s.queue, req)
	s.mu.Unlock()
	s.signal()
	select {
	case <-req.done:
		return nil
	case <-ctx.Done():
		if req.state.CompareAndSwap(reqPending, reqCancelled) {
			return ctx.Err()
		}
		<-req.done
		return nil
	}
}

// signal wakes the committer.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// commitLoop is the committer. It ends once the store is closed and what
// was queued before is committed.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	var spare []*request
	for {
		select {
		case <-s.wake:
		case <-s.stopping:
		}
		// Let the callers just woken queue their next requests, so that
		// they join this commit instead of waiting for the next one. This
		// is no timer: with nothing else to run it returns at once.
		runtime.Gosched()
		s.mu.Lock()
		reqs, marks, closed := s.queue, s.marks, s.closed.Load()
		s.queue, s.marks = spare[:0], nil
		s.mu.Unlock()

		writeMarks := len(marks) > 0 && (closed || len(marks) >= marksThreshold)
		if len(reqs) > 0 || writeMarks {
			if !s.commitGroup(reqs, marks) {
				s.restoreMarks(marks)
			}
		} else if len(marks) > 0 {
			s.restoreMarks(marks)
		}
		clear(reqs)
		spare = reqs

		if closed {
			s.mu.Lock()
			idle := len(s.queue) == 0 && (len(s.marks) == 0 || s.marksFailed)
			s.mu.Unlock()
			if idle {
				return
			}
		}
	}
}

// restoreMarks puts delivered marks that were not written back in front
// of those made since.
func (s *Store) restoreMarks(marks []posRange) {
	s.mu.Lock()
	s.marks = append(marks, s.marks...)
	s.mu.Unlock()
}

// commitGroup writes reqs and marks in one transaction and wakes the
// callers. It reports whether marks were written.
func (s *Store) commitGroup(reqs []*request, marks []posRange) bool {
	live := reqs[:0:0]
	for _, r := range reqs {
		if r.state.CompareAndSwap(reqPending, reqTaken) {
			live = append(live, r)
		}
	}
	defer func() {
		for _, r := range live {
			r.done <- struct{}{}
		}
	}()
	if len(live) == 0 && len(marks) == 0 {
		return true
	}
	for {
		failed, err := s.tryGroup(live, marks)
		if err == nil {
			return true
		}
		if failed < 0 {
			for _, r := range live {
				if r.err == nil {
					r.err = err
				}
			}
			s.mu.Lock()
			s.marksFailed = true
			s.mu.Unlock()
			s.opts.logger.Error("boltstore: commit failed", "err", err)
			return false
		}
		// One request could not be written: it fails alone, the others
		// are tried again without it.
		r := live[failed]
		r.err = err
		r.done <- struct{}{}
		live = slices.Delete(live, failed, failed+1)
	}
}

// tryGroup writes reqs and marks in a new transaction and commits it. When
// writing one request fails, it rolls back and returns that request's
// index with the error; a failure of the whole transaction has index -1.
// Requests that are unfit to store get their error and are left out.
func (s *Store) tryGroup(reqs []*request, marks []posRange) (failed int, err error) {
	tx, err := s.db.Begin(true)
	if err != nil {
		return -1, dbError(err)
	}
	failed = -1
	defer func() {
		if r := recover(); r != nil {
			failed, err = -1, errorf("commit: bbolt panicked, the file may be damaged: %v: %w", r, ErrCorrupt)
		}
		if err != nil {
			_ = rollback(tx)
		}
		s.w.release()
	}()
	w := &s.w
	if err := w.begin(s, tx, false); err != nil {
		return -1, err
	}
	for i, r := range reqs {
		r.err, r.allStored = nil, false
		if err := s.writeRequest(w, r); err != nil {
			if errors.Is(err, errWrite) {
				return i, errors.Unwrap(err)
			}
			r.err = err
		}
	}
	if err := w.markDelivered(marks); err != nil {
		return -1, err
	}
	if err := w.finish(false); err != nil {
		return -1, err
	}
	if err := tx.Commit(); err != nil {
		return -1, dbError(err)
	}
	w.afterCommit()
	return -1, nil
}

// errWrite marks an error of writing, as opposed to checking, a request.
var errWrite = errors.New("write failed")

type writeError struct{ err error }

func (e *writeError) Error() string        { return e.err.Error() }
func (e *writeError) Unwrap() error        { return e.err }
func (e *writeError) Is(target error) bool { return target == errWrite }

// writeRequest checks and writes one request in w's transaction. An error
// of checking is the request's own; an error of writing is a *writeError.
func (s *Store) writeRequest(w *writer, r *request) error {
	switch r.kind {
	case kindAppend:
		allStored, err := w.check(r)
		if err != nil {
			return err
		}
		if allStored {
			if err := w.copyStored(r); err != nil {
				return err
			}
			r.allStored = true
			return nil
		}
		if err := w.write(r); err != nil {
			return &writeError{err}
		}
	case kindSnapshot:
		if err := w.saveSnapshot(&r.snap); err != nil {
			return &writeError{err}
		}
	case kindCheckpoint:
		if err := w.b.checkpoints.Put([]byte(r.checkpoint), appendUint64(nil, r.position)); err != nil {
			return &writeError{err}
		}
	}
	return nil
}

// rollback rolls tx back, turning a panic of bbolt into an error.
func rollback(tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorf("rollback panicked: %v", r)
		}
	}()
	return tx.Rollback()
}

// dbError maps bbolt's errors to the store's.
func dbError(err error) error {
	switch {
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return herald.ErrClosed
	case errors.Is(err, berrors.ErrTxClosed):
		return fmt.Errorf("transaction is closed: %w", herald.ErrInvalid)
	}
	return err
}
