package storetest

import (
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/option"
)

// Run runs the conformance suite against the stores newStore returns. It
// calls newStore once per case, from that case's subtest, and expects an
// empty store each time; newStore registers any cleanup with t.Cleanup.
// The cases of an optional capability run when the store has it, and are
// skipped otherwise; those of driver.TxStore need WithTransactions.
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
		{"Outbox", s.outboxCases()},
		{"InTransaction", s.inTxCases()},
		{"Close", s.closeCases()},
	}
}
