package herald

import (
	"context"
	"iter"
	"time"

	"github.com/google/uuid"
)

// Store is an append-only log of events. Implementations are safe for
// concurrent use; every one runs the conformance suite in store/storetest.
type Store interface {
	// Append stores events atomically: all of them or none. It assigns each
	// event its global position, strictly increasing in commit order, and
	// writes the positions (and revisions it assigned) into events in place.
	//
	// An event whose Metadata.Revision is set must land at exactly that
	// revision, else nothing is stored and the error is a [*ConflictError]
	// (one caused by an earlier event of the batch reports the revision
	// counting it as Actual); 0 appends at the end of the stream. Ids are
	// unique: a batch stored already is acknowledged with the stored
	// envelopes copied into events, one stored in part is [ErrDuplicate].
	// Empty names or nil ids are [ErrInvalid]. A zero timestamp becomes the
	// time of the append; others are kept to the nanosecond. When Append
	// fails, events is left as it was.
	Append(ctx context.Context, events []Event) error

	// ReadStream yields the events of one aggregate with revisions from
	// from to to inclusive, in revision order; from 0 means 1, to 0 reads to
	// the end as it is when the iteration begins. An aggregate without
	// events yields nothing; a ref that AggregateRef.Check refuses yields
	// an error matching ErrInvalid. The iteration stops with ctx's error
	// when ctx ends.
	ReadStream(ctx context.Context, ref AggregateRef, from, to uint64) iter.Seq2[Event, error]

	// ReadLog yields every event with a position greater than after, in
	// position order, up to the head as it is when the iteration begins. The
	// iteration stops with ctx's error when ctx ends.
	ReadLog(ctx context.Context, after uint64) iter.Seq2[Event, error]

	// Query answers a log query one page at a time.
	Query(ctx context.Context, q Query) (Page, error)

	// Stats reports the size of the log and the count per event name.
	Stats(ctx context.Context) (Stats, error)
}

// The optional capabilities of a Store that the root uses, found by type
// assertion. Their method sets are those of the driver package's Outbox,
// TxStore and SnapshotStore, whose docs give the contract.
type (
	outboxStore interface {
		AppendUndelivered(ctx context.Context, events []Event) error
		MarkDelivered(ctx context.Context, events []Event) error
		Undelivered(ctx context.Context) iter.Seq2[Event, error]
	}
	inTxStore interface {
		AppendInCallerTx(ctx context.Context, events []Event, committed func()) (bool, error)
		AppendUndeliveredInCallerTx(ctx context.Context, events []Event, committed func()) (bool, error)
	}
	registryStore interface {
		Registry() *Registry
		UseRegistry(r *Registry) bool
	}
	snapshotStore interface {
		SaveSnapshot(ctx context.Context, s Snapshot) error
		LoadSnapshot(ctx context.Context, ref AggregateRef) (Snapshot, error)
	}
)

// Snapshot is an aggregate's encoded state as of a revision.
type Snapshot struct {
	Aggregate AggregateRef
	Revision  uint64
	State     []byte
}

// Stats describes a store's log. Stores keep the counts up to date on every
// append, so asking for them costs no scan.
type Stats struct {
	// Events is the number of events stored.
	Events uint64
	// Head is the position of the newest event, 0 for an empty log.
	Head uint64
	// Counts is the number of events per full event name
	// ("context.aggregate.name").
	Counts map[string]uint64
}

// Query selects events from the log. Its zero value asks for the oldest
// DefaultTop events of any kind.
type Query struct {
	// Names are full event names, each segment either literal or "*", such
	// as "communication.message.*". Empty means every name.
	Names []string
	// CorrelationID, when not zero, selects one chain of causes.
	CorrelationID uuid.UUID
	// Labels, when set, must all be equal on a selected event.
	Labels map[string]string
	// Since and Until bound the event timestamps, both inclusive; a zero
	// time leaves that end open.
	Since, Until time.Time
	// Newest returns the newest events first instead of the oldest.
	Newest bool
	// Top is the largest number of events in one page: 0 means DefaultTop,
	// more than MaxTop is an error.
	Top int
	// Cursor continues from the page that returned it. It is opaque, and
	// valid only with a query of the same order.
	Cursor string
}

// Page is one page of a query's answer.
type Page struct {
	Events []Event
	// Cursor fetches the next page when passed in Query.Cursor; it is empty
	// when there are no more events.
	Cursor string
}
