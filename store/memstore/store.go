package memstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/internal/registry"
)

// Design notes
//
// A Store keeps the global log as compact records indexed by position, in
// chunks that are never moved once allocated, an index of positions per
// aggregate, an index of event ids, the count of events per full event
// name, the newest snapshot of each aggregate, and the checkpoints of
// durable consumers. A record holds no pointers: the aggregate, the names,
// the user, the authorization, the labels and the time zone are indexes
// into tables, and the data sits beside it, so the garbage collector
// scans none of the log but the data. A timestamp is kept as its instant
// and its location, locations equal in name and in abbreviation and offset
// at that instant being kept once. The id index keeps the time-ordered ids
// that publishers make as ranges of positions whose ids increase, so that
// a new id costs a comparison with the newest instead of a hash table probe
// and no memory; other ids go to a map.

// Store is an in-memory [herald.Store], [driver.SnapshotStore],
// [driver.CheckpointStore], [driver.DeadLetterStore] and
// [driver.SubscriptionStore]. Build one with
// [New]; the zero value is not usable. It is safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	closed atomic.Bool

	log       eventLog
	interner  interner
	streams   streamIndex
	ids       idIndex
	counts    map[nameKey]*uint64
	snapshots map[herald.AggregateRef]herald.Snapshot
	// checkpoints are the positions durable consumers handled last.
	checkpoints map[string]uint64
	// letters are the dead letters of each durable consumer, in the order
	// of their events' positions.
	letters map[string][]herald.DeadLetter
	// subscriptions are the documents of webhook subscriptions by id.
	subscriptions map[string][]byte
	// keyring keeps the users' keys for personal fields.
	keyring keyring
	// Holder holds the registry a publisher gave the store (UseRegistry):
	// the store keeps data as published and needs none itself, but
	// projections, flows and push servers over it use it.
	registry.Holder

	// Scratch space for validating a batch of more than one event, used
	// under the lock and cleared after each batch: the ids of a
	// batch whose ids do not increase, and the revisions a batch takes in
	// aggregates without a stream. checking numbers the batches, for
	// stream.checking.
	batchIDs  map[uuid.UUID]struct{}
	batchRevs map[herald.AggregateRef]*uint64
	checking  uint64
	found     []*stream // the stream of each event of the batch, or nil
}

// stream is the positions of one aggregate's events, by revision-1.
// Appends only add positions beyond the slice's length, so a copy of the
// slice taken under the store's lock stays valid without it.
type stream struct {
	ref       herald.AggregateRef
	positions []uint64
	// aggregate is ref's index in the log's tables.
	aggregate uint32
	// next chains the streams whose aggregate ids fold alike.
	next *stream
	// lastName, its index in the log's tables and its counter remember
	// the event name this aggregate published last, which it most often
	// publishes again.
	lastName  string
	nameIndex uint32
	lastCount *uint64
	// checked is the revision the batch numbered checking would bring the
	// aggregate to, so far, while the store checks it.
	checking, checked uint64
}

// revision returns the aggregate's current revision, 0 for a stream that
// does not exist.
func (st *stream) revision() uint64 {
	if st == nil {
		return 0
	}
	return uint64(len(st.positions))
}

// nameKey is a full event name kept in parts, so counting an event costs
// no string concatenation.
type nameKey struct {
	context, aggregate, name string
}

var (
	_ herald.Store         = (*Store)(nil)
	_ driver.SnapshotStore = (*Store)(nil)
)

// New returns an empty Store. An invalid option value is an error
// matching herald.ErrInvalid that names the option.
func New(opts ...Option) (*Store, error) {
	o, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Store{
		log:       newEventLog(o.capacity),
		interner:  newInterner(),
		streams:   newStreamIndex(),
		ids:       newIDIndex(),
		counts:    make(map[nameKey]*uint64),
		snapshots: make(map[herald.AggregateRef]herald.Snapshot),
	}, nil
}

// Close drops everything the store holds. Calls made after it return errors
// matching herald.ErrClosed, and reads under way stop with such an error at
// their next check. Closing a closed store does nothing and returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	s.log, s.interner, s.streams, s.ids = eventLog{}, interner{}, streamIndex{}, idIndex{}
	s.counts, s.snapshots = nil, nil
	s.checkpoints = nil
	s.letters, s.subscriptions = nil, nil
	s.keyring.clear()
	s.batchIDs, s.batchRevs, s.found = nil, nil, nil
	return nil
}

// Stats reports the number of events, the head position and the number of
// events per full event name. It costs no scan of the log.
func (s *Store) Stats(ctx context.Context) (herald.Stats, error) {
	if err := s.usable(ctx); err != nil {
		return herald.Stats{}, errorf("stats: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return herald.Stats{}, errorf("stats: %w", herald.ErrClosed)
	}
	counts := make(map[string]uint64, len(s.counts))
	for k, n := range s.counts {
		counts[k.context+"."+k.aggregate+"."+k.name] += *n
	}
	return herald.Stats{Events: s.log.n, Head: s.log.n, Counts: counts}, nil
}

// errNilContext is what the calls that take a context return for a nil
// one, wrapped in their own name.
var errNilContext = fmt.Errorf("the context is nil: %w", herald.ErrInvalid)

// usable returns the context's error (errNilContext for a nil one), or
// herald.ErrClosed once the store is closed.
func (s *Store) usable(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return herald.ErrClosed
	}
	return nil
}

// errorf returns the error of the package: "memstore: " and then
// fmt.Errorf(format, args...), an error argument of another package of
// the module given without its prefix.
func errorf(format string, args ...any) error { return prefix.Errorf("memstore", format, args...) }
