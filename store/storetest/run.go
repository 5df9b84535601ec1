package storetest

import (
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
)

// Design notes
//
// What the cases check, in detail:
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
//   - Subscriptions, when the store is a driver.SubscriptionStore: round
//     trip in id order, replacement, deletion, bad input and cancellation.
//   - Outbox, when the store is a driver.Outbox: what AppendUndelivered
//     stored and MarkDelivered did not mark, in position order, also while
//     the loop marks what it gets.
//   - Keys, when the store is a driver.KeyStore that takes the suite's
//     registry: personal fields read back in the clear, and as "" with
//     the event redacted once the user is forgotten, in every read, in
//     dead letters, while others publish; snapshots of the user's
//     aggregates dropped; no anonymous personal data.
//   - InTransaction, when the store is a driver.TxStore and Run has
//     WithTransactions: appends in the application's transaction commit
//     and roll back with it, see each other, leave it usable after a bad
//     batch, and run their committed function after a commit only.
//   - Close, when the store has Close() error or Close(ctx) error: calls
//     after it fail with herald.ErrClosed.

// Run runs the conformance suite against the stores newStore returns. It
// calls newStore once per case, from that case's subtest, and expects an
// empty store each time; newStore registers any cleanup with t.Cleanup.
// The cases of an optional capability run when the store has it, and are
// skipped otherwise; those of
// [github.com/herald-go/herald/driver.TxStore] need [WithTransactions].
func Run(t *testing.T, newStore func(t *testing.T) herald.Store, options ...Option) {
	t.Helper()
	var c config
	if err := option.Apply(&c, options, "storetest", "run", herald.ErrInvalid); err != nil {
		t.Fatal(err)
	}
	s := suite{newStore: newStore, begin: c.begin}
	for _, g := range s.groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, c.run)
			}
		})
	}
}

// suite holds the store factory the cases call for a fresh store, and
// the way to begin a transaction, when there is one.
type suite struct {
	newStore func(t *testing.T) herald.Store
	begin    func(t *testing.T, store herald.Store) Transaction
}

type group struct {
	name  string
	cases []testCase
}

type testCase struct {
	name string
	run  func(t *testing.T)
}

func (s suite) groups() []group {
	return []group{
		{"Append", s.appendCases()},
		{"Concurrency", s.concurrencyCases()},
		{"ReadStream", s.readStreamCases()},
		{"ReadLog", s.readLogCases()},
		{"Cancel", s.cancelCases()},
		{"Query", s.queryCases()},
		{"Stats", s.statsCases()},
		{"Snapshots", s.snapshotCases()},
		{"Checkpoints", s.checkpointCases()},
		{"DeadLetters", s.deadLetterCases()},
		{"Subscriptions", s.subscriptionCases()},
		{"Outbox", s.outboxCases()},
		{"InTransaction", s.inTxCases()},
		{"Keys", s.keyCases()},
		{"Close", s.closeCases()},
	}
}
