// Package storetest is the conformance suite every herald.Store runs.
//
// A store's test file calls Run with a function that returns a fresh,
// empty store; Run calls it once per case, so cases never see each
// other's events:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) herald.Store {
//			s, err := memstore.New()
//			require.NoError(t, err)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite checks what herald.Store promises:
//
//   - Append: positions from 1, strictly increasing and written into the
//     batch in place; revisions counted from 1 per aggregate; expected
//     revisions and *herald.ConflictError; atomic batches (an invalid
//     envelope, a duplicate id or a conflict stores nothing); idempotent
//     re-appends of stored ids and herald.ErrDuplicate for partly stored
//     batches; timestamps kept, or set when zero.
//   - Concurrency: one winner among writers racing for one revision; no
//     lost, repeated or out-of-order positions or revisions among many
//     writers; reads and appends inside a read loop do not deadlock. Run
//     the suite with -race.
//   - ReadStream and ReadLog: ranges, order, every envelope field round
//     trips, breaking out of a loop.
//   - Cancelled contexts: Append stores nothing, reads stop with an error
//     matching context.Canceled, also when cancelled mid-iteration.
//   - Query: both orders, Top, paging with the cursor, names with
//     wildcards, correlation id, labels, time range, bad cursors.
//   - Stats: counts per full event name, the head, unchanged by failures.
//   - Snapshots, when the store is a driver.SnapshotStore.
//   - Checkpoints, when the store is a driver.CheckpointStore.
//   - DeadLetters, when the store is a driver.DeadLetterStore: round trip
//     of every field, position order per consumer, replacement, deletion,
//     bad input and cancellation.
//   - Outbox, when the store is a driver.Outbox: what AppendUndelivered
//     stored and MarkDelivered did not mark, in position order, also while
//     the loop marks what it gets.
//   - InTransaction, when the store is a driver.TxStore and Run has
//     WithTransactions: appends in the application's transaction commit
//     and roll back with it, see each other, leave it usable after a bad
//     batch, and run their committed function after a commit only.
//   - Close, when the store has Close() error or Close(ctx) error: calls
//     after it fail with herald.ErrClosed.
//
// Event data is compared by its JSON encoding, so a store that returns
// json.RawMessage passes as well as one that returns the Go value. Time
// stamps must round trip to the nanosecond.
//
// The exported helpers (NewRef, NewEvent, Append, ReadAll, the Assert
// functions) are for a store's own further tests.
package storetest
