package driver

import (
	"context"

	"github.com/herald-go/herald"
)

// TxStore is the optional capability of a [herald.Store] to append inside
// a transaction that the context carries, such as a bbolt store appending
// inside the application's own *bbolt.Tx: the application's state and its
// events then commit together or not at all.
// [herald.Publisher.PublishAfterCommit] and
// [herald.Publisher.PublishBatchAfterCommit] use it when the store has it,
// before they fall back to the context's [herald.Tx]. Implementations are
// safe for concurrent use.
type TxStore interface {
	// AppendInCallerTx appends events inside the transaction ctx carries,
	// the caller's, when it carries one the store writes in, and reports
	// whether it did; false with a nil error means there is none and
	// nothing happened. It checks the batch as Append does and writes
	// positions and revisions into events; they hold once the transaction
	// commits, and nothing is stored when it rolls back. committed, when
	// not nil, runs after the transaction commits, and never when it rolls
	// back.
	AppendInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error)
	// AppendUndeliveredInCallerTx is AppendInCallerTx that also records
	// the events as not yet delivered, as [Outbox].AppendUndelivered does.
	// A store that is no Outbox returns an error matching
	// [herald.ErrInvalid].
	AppendUndeliveredInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error)
}
