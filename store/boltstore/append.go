package boltstore

import (
	"context"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// Append stores events atomically, all or none, as [herald.Store]
// describes, and returns once they are durable: committed and synced to
// the disk. Concurrent appends are committed together in one transaction
// and one fsync; a lone one at once. It writes each event's position,
// revision and, when it has none, timestamp into events in place. The
// whole batch is checked first: an invalid envelope, a name longer than
// [MaxNameLength], an id twice in the batch, data that does not encode or
// an event over [WithMaxEventSize] is [herald.ErrInvalid]; a wrong
// revision a [*herald.ConflictError]; an id stored before (others not)
// [herald.ErrDuplicate]; a batch stored already changes nothing. When ctx
// ends before the committer takes the batch, nothing is stored and Append
// returns ctx's error; once taken, the batch is committed.
func (s *Store) Append(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, false, "append")
}

// AppendUndelivered is Append that also records the events as not yet
// delivered, in the same transaction; see driver.Outbox.
func (s *Store) AppendUndelivered(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, true, "append")
}

func (s *Store) append(ctx context.Context, events []herald.Event, outbox bool, op string) error {
	if err := s.usable(ctx); err != nil {
		return errorf("%s: %w", op, err)
	}
	if len(events) == 0 {
		return nil
	}
	req := getRequest()
	if err := s.encode(req, events); err != nil {
		putRequest(req)
		return errorf("%s: %w", op, err)
	}
	req.kind, req.events, req.outbox = kindAppend, events, outbox
	if err := s.submit(ctx, req); err != nil {
		// A cancelled request may still sit in the queue: it is not reused.
		return errorf("%s: %w", op, err)
	}
	defer putRequest(req)
	if req.err != nil {
		return errorf("%s: %w", op, req.err)
	}
	req.finish()
	return nil
}

// finish writes what the append got into the caller's events.
func (r *request) finish() {
	if r.allStored {
		copy(r.events, r.stored)
		return
	}
	for i := range r.events {
		m := &r.events[i].Metadata
		m.Position = r.first + uint64(i)
		m.Revision = r.revs[i]
		if m.Timestamp.IsZero() {
			m.Timestamp = r.now
		}
	}
}

type txKey struct{}

// ContextWithTx returns a context that carries tx, a writable transaction
// of a store's database, for PublishAfterCommit and
// PublishBatchAfterCommit: a herald.Publisher whose store is that store
// appends the events inside tx and delivers them once tx commits. A
// herald.Repository saves in tx the same way. The store's reads with that
// context (ReadStream, ReadLog, LoadSnapshot, ...) run in tx and see what
// it wrote; SaveSnapshot writes in it. Its other writes (Append, and so
// Publish and PublishBatch; SaveCheckpoint) would wait for tx to end,
// which its holder waits for: they fail at once with an error matching
// herald.ErrInvalid that says to publish after commit. A nil ctx gives
// nil, which the store's calls refuse with an error matching
// herald.ErrInvalid.
func ContextWithTx(ctx context.Context, tx *bolt.Tx) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFrom returns the transaction that ContextWithTx put in ctx.
func TxFrom(ctx context.Context) (*bolt.Tx, bool) {
	if ctx == nil {
		return nil, false
	}
	tx, ok := ctx.Value(txKey{}).(*bolt.Tx)
	return tx, ok && tx != nil
}

// AppendTx appends events inside tx, a writable transaction of the
// store's database, so that they commit or roll back with what the
// application writes in tx. The batch is checked as Append checks it,
// against the store as tx sees it, the events tx appended before
// included; a batch that fails leaves tx as it was. Positions, revisions
// and timestamps are written into events at once, and hold once tx
// commits. Durability is tx's: the events are durable when its Commit
// returns.
//
// While tx is open, Append and the store's other writes wait for it, as
// any bbolt writer does: called with a context that carries tx
// (ContextWithTx), they fail at once instead.
func (s *Store) AppendTx(tx *bolt.Tx, events []herald.Event) error {
	return s.appendTx(tx, events, false)
}

// AppendInCallerTx appends events inside the bbolt transaction that ctx
// carries ([ContextWithTx]), as [driver.TxStore] describes, and
// reports whether it did. It returns false without an error when ctx
// carries no bbolt transaction. A transaction of another database, or one
// that is read only, is an error matching [herald.ErrInvalid]. committed,
// when not nil, runs once the transaction has committed (bbolt's
// Tx.OnCommit), on the goroutine that committed it. A nil ctx is an error
// matching herald.ErrInvalid.
func (s *Store) AppendInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error) {
	return s.appendInCallerTx(ctx, events, false, committed)
}

// AppendUndeliveredInCallerTx is AppendInCallerTx that also records the
// events in the outbox, as AppendUndelivered does.
func (s *Store) AppendUndeliveredInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error) {
	return s.appendInCallerTx(ctx, events, true, committed)
}

func (s *Store) appendInCallerTx(ctx context.Context, events []herald.Event, undelivered bool, committed func()) (bool, error) {
	if ctx == nil {
		return false, errorf("append in transaction: %w", errNilContext)
	}
	tx, ok := TxFrom(ctx)
	if !ok {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return true, errorf("append in transaction: %w", err)
	}
	if err := s.appendTx(tx, events, undelivered); err != nil {
		return true, err
	}
	if committed != nil {
		tx.OnCommit(committed)
	}
	return true, nil
}

func (s *Store) appendTx(tx *bolt.Tx, events []herald.Event, outbox bool) (err error) {
	const op = "append in transaction"
	switch {
	case s.closed.Load():
		return errorf("%s: %w", op, herald.ErrClosed)
	case tx == nil || tx.DB() == nil:
		return errorf("%s: transaction is nil or closed: %w", op, herald.ErrInvalid)
	case tx.DB() != s.db:
		return errorf("%s: transaction is of another database: %w", op, herald.ErrInvalid)
	case !tx.Writable():
		return errorf("%s: transaction is read only: %w", op, herald.ErrInvalid)
	case len(events) == 0:
		return nil
	}
	req := getRequest()
	defer putRequest(req)
	if err := s.encode(req, events); err != nil {
		return errorf("%s: %w", op, err)
	}
	req.kind, req.events, req.outbox = kindAppend, events, outbox
	defer func() {
		if r := recover(); r != nil {
			err = errorf("%s: bbolt panicked, the file may be damaged: %v: %w", op, r, ErrCorrupt)
		}
	}()
	var w writer
	if err := w.begin(s, tx, true); err != nil {
		return errorf("%s: %w", op, err)
	}
	defer w.release()
	allStored, err := w.check(req)
	if err != nil {
		return errorf("%s: %w", op, err)
	}
	if allStored {
		if err := w.copyStored(req); err != nil {
			return errorf("%s: %w", op, err)
		}
		req.allStored = true
		req.finish()
		return nil
	}
	// A failure from here on leaves part of the batch in tx, which the
	// caller must roll back; bbolt fails these writes only when tx is
	// unusable anyway.
	if err := w.write(req); err != nil {
		return errorf("%s: the transaction must be rolled back: %w", op, dbError(err))
	}
	if err := w.finish(true); err != nil {
		return errorf("%s: the transaction must be rolled back: %w", op, dbError(err))
	}
	// The values stay in tx until it ends: they must outlive the request.
	req.values = nil
	req.finish()
	return nil
}
