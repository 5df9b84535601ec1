package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// Append stores events atomically, all or none, as herald.Store describes,
// and returns once they are durable: committed and synced to the disk.
// Appends of concurrent callers are committed together (see the package
// documentation). It writes each event's position, its revision and, when
// the event has none, the time of the append as its timestamp into events
// in place.
//
// The whole batch is checked before anything is written: an invalid
// envelope, a name longer than MaxNameLength, an id that appears twice in
// the batch, data that does not encode as JSON or an event larger than the
// limit (WithMaxEventSize) is an error matching herald.ErrInvalid; a wrong
// revision a *herald.ConflictError; an id stored before (while others of
// the batch are not) herald.ErrDuplicate. A batch whose ids are all stored
// changes nothing: the stored envelopes are copied into events.
//
// When ctx ends before the committer takes the batch, Append returns
// ctx's error and nothing is stored; once taken, the batch is committed
// whatever ctx does.
func (s *Store) Append(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, false, "append")
}

// AppendUndelivered is Append that also records the events as not yet
// delivered, in the same transaction; see herald.Outbox.
func (s *Store) AppendUndelivered(ctx context.Context, events []herald.Event) error {
	return s.append(ctx, events, true, "append")
}

func (s *Store) append(ctx context.Context, events []herald.Event, outbox bool, op string) error {
	if err := s.usable(ctx); err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	if len(events) == 0 {
		return nil
	}
	req := getRequest()
	if err := s.encode(req, events); err != nil {
		putRequest(req)
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	req.kind, req.events, req.outbox = kindAppend, events, outbox
	if err := s.submit(ctx, req); err != nil {
		// A cancelled request may still sit in the queue: it is not reused.
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
	defer putRequest(req)
	if req.err != nil {
		return fmt.Errorf("boltstore: %s: %w", op, req.err)
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

// encode checks events on their own and encodes them into req. It is the
// part of an append that needs nothing of the store, done on the caller's
// goroutine so that concurrent callers encode in parallel; a large batch
// is encoded on as many goroutines as there are processors.
func (s *Store) encode(req *request, events []herald.Event) error {
	for i := range events {
		e := &events[i]
		if err := herald.CheckEnvelope(e); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if err := checkNames(e); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if e.Metadata.Timestamp.IsZero() && req.now.IsZero() {
			req.now = time.Now().Round(0)
		}
	}
	if err := checkUniqueIDs(events); err != nil {
		return err
	}
	procs := runtime.GOMAXPROCS(0)
	if len(events) < parallelEncode || procs < 2 {
		var err error
		req.values, req.ends, err = s.encodeRange(req.values, req.ends, events, 0, req.now)
		return err
	}
	return s.encodeParallel(req, events, procs)
}

// parallelEncode is the batch size from which encode encodes on several
// goroutines, and encodeChunk the number of events they take at a time.
const (
	parallelEncode = 256
	encodeChunk    = 64
)

// encodedPart is what encodeParallel encoded of one chunk.
type encodedPart struct {
	values []byte
	ends   []int
	err    error
}

// encodedParts keeps the buffers of encodeParallel's chunks for reuse.
var encodedParts = sync.Pool{New: func() any { return new(encodedPart) }}

// encodeParallel encodes events into req on the caller's goroutine and
// procs-1 more, each taking the next chunk of encodeChunk events until
// none is left, so that a goroutine that starts late takes fewer; then it
// puts the chunks together in order.
func (s *Store) encodeParallel(req *request, events []herald.Event, procs int) error {
	parts := make([]*encodedPart, (len(events)+encodeChunk-1)/encodeChunk)
	for i := range parts {
		parts[i] = encodedParts.Get().(*encodedPart)
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < len(parts); i = int(next.Add(1) - 1) {
			lo, p := i*encodeChunk, parts[i]
			p.values, p.ends, p.err = s.encodeRange(p.values[:0], p.ends[:0], events[lo:min(lo+encodeChunk, len(events))], lo, req.now)
		}
	}
	var wg sync.WaitGroup
	for range min(procs, len(parts)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	defer func() { // once no goroutine writes to them
		for _, p := range parts {
			if cap(p.values) <= maxPooled {
				p.err = nil
				encodedParts.Put(p)
			}
		}
	}()
	total := len(req.values)
	for _, p := range parts {
		if p.err != nil {
			return p.err
		}
		total += len(p.values)
	}
	req.values = slices.Grow(req.values, total-len(req.values))
	for _, p := range parts {
		base := len(req.values)
		req.values = append(req.values, p.values...)
		for _, end := range p.ends {
			req.ends = append(req.ends, base+end)
		}
	}
	return nil
}

// encodeRange appends the encoded envelopes of events, the first of which
// is event first of the batch, to values, and where each ends to ends.
// now is the time stamped on those without one.
func (s *Store) encodeRange(values []byte, ends []int, events []herald.Event, first int, now time.Time) ([]byte, []int, error) {
	x := newEventEncoder()
	for i := range events {
		e := &events[i]
		ts := e.Metadata.Timestamp
		if ts.IsZero() {
			ts = now
		}
		start := len(values)
		var err error
		if values, err = x.appendEvent(values, e, ts); err != nil {
			return values, ends, fmt.Errorf("event %d: %w", first+i, err)
		}
		if n := len(values) - start; n > s.opts.maxEventSize {
			return values, ends, fmt.Errorf("event %d: %w", first+i, &herald.ValidationError{
				Event: e.FullName(), Field: "data",
				Reason: fmt.Sprintf("the event encodes to %d bytes, more than the limit of %d", n, s.opts.maxEventSize),
			})
		}
		ends = append(ends, len(values))
	}
	return values, ends, nil
}

// checkNames rejects names too long to be part of index keys.
func checkNames(e *herald.Event) error {
	fields := [...]struct{ field, value string }{
		{"context.name", e.Aggregate.Context}, {"aggregate.name", e.Aggregate.Name}, {"name", e.Name},
	}
	for _, f := range fields {
		if len(f.value) > MaxNameLength {
			return &herald.ValidationError{Event: e.FullName(), Field: f.field,
				Reason: fmt.Sprintf("is %d bytes long, more than %d", len(f.value), MaxNameLength)}
		}
	}
	return nil
}

// checkUniqueIDs returns an error matching herald.ErrInvalid when an id
// appears twice in events.
func checkUniqueIDs(events []herald.Event) error {
	const small = 16
	if idsIncrease(events) {
		return nil
	}
	if len(events) <= small {
		for i := 1; i < len(events); i++ {
			for j := range i {
				if events[i].ID == events[j].ID {
					return fmt.Errorf("event %d: id %s appears twice in the batch: %w", i, events[i].ID, herald.ErrInvalid)
				}
			}
		}
		return nil
	}
	seen := make(map[uuid.UUID]struct{}, len(events))
	for i := range events {
		id := events[i].ID
		if _, dup := seen[id]; dup {
			return fmt.Errorf("event %d: id %s appears twice in the batch: %w", i, id, herald.ErrInvalid)
		}
		seen[id] = struct{}{}
	}
	return nil
}

// idsIncrease reports whether each event's id is greater than the one
// before, as those a publisher makes are: then no two are equal.
func idsIncrease(events []herald.Event) bool {
	for i := 1; i < len(events); i++ {
		if bytes.Compare(events[i-1].ID[:], events[i].ID[:]) >= 0 {
			return false
		}
	}
	return true
}

type txKey struct{}

// WithTx returns a context that carries tx, a writable transaction of a
// store's database, for PublishAfterCommit and PublishBatchAfterCommit:
// a herald.Publisher whose store is that store appends the events inside
// tx and delivers them once tx commits.
func WithTx(ctx context.Context, tx *bolt.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// TxFrom returns the transaction that WithTx put in ctx.
func TxFrom(ctx context.Context) (*bolt.Tx, bool) {
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
// any bbolt writer does; do not call them on the goroutine that holds tx.
func (s *Store) AppendTx(tx *bolt.Tx, events []herald.Event) error {
	return s.appendTx(tx, events, false)
}

// AppendInTx appends events inside the bbolt transaction that ctx carries
// (see WithTx), as herald.TxStore describes, and reports whether it did.
// It returns false without an error when ctx carries no bbolt
// transaction. A transaction of another database, or one that is read
// only, is an error matching herald.ErrInvalid. committed, when not nil,
// runs once the transaction has committed (bbolt's Tx.OnCommit), on the
// goroutine that committed it.
func (s *Store) AppendInTx(ctx context.Context, events []herald.Event, undelivered bool, committed func()) (bool, error) {
	tx, ok := TxFrom(ctx)
	if !ok {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return true, fmt.Errorf("boltstore: append in transaction: %w", err)
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
	const op = "boltstore: append in transaction"
	switch {
	case s.closed.Load():
		return fmt.Errorf("%s: %w", op, herald.ErrClosed)
	case tx == nil || tx.DB() == nil:
		return fmt.Errorf("%s: transaction is nil or closed: %w", op, herald.ErrInvalid)
	case tx.DB() != s.db:
		return fmt.Errorf("%s: transaction is of another database: %w", op, herald.ErrInvalid)
	case !tx.Writable():
		return fmt.Errorf("%s: transaction is read only: %w", op, herald.ErrInvalid)
	case len(events) == 0:
		return nil
	}
	req := getRequest()
	defer putRequest(req)
	if err := s.encode(req, events); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.kind, req.events, req.outbox = kindAppend, events, outbox
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: bbolt panicked, the file may be damaged: %v: %w", op, r, ErrCorrupt)
		}
	}()
	var w writer
	if err := w.begin(s, tx, true); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer w.release()
	allStored, err := w.check(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if allStored {
		if err := w.copyStored(req); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		req.allStored = true
		req.finish()
		return nil
	}
	// A failure from here on leaves part of the batch in tx, which the
	// caller must roll back; bbolt fails these writes only when tx is
	// unusable anyway.
	if err := w.write(req); err != nil {
		return fmt.Errorf("%s: %w (roll the transaction back)", op, dbError(err))
	}
	if err := w.finish(true); err != nil {
		return fmt.Errorf("%s: %w (roll the transaction back)", op, dbError(err))
	}
	// The values stay in tx until it ends: they must outlive the request.
	req.values = nil
	req.finish()
	return nil
}
