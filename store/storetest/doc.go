// Package storetest is the conformance suite every [herald.Store] runs.
//
// A store's test file calls [Run] with a function that returns a fresh,
// empty store; Run calls it once per case, so cases never see each other's
// events:
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
// The suite checks what herald.Store promises: appends (positions,
// revisions, conflicts, atomic batches, idempotent re-appends and
// [herald.ErrDuplicate], timestamps), concurrent writers and reads,
// ReadStream and ReadLog, cancelled contexts, Query, Stats, and, when the
// store has them, the optional capabilities of
// [github.com/herald-go/herald/driver]: snapshots, checkpoints, dead
// letters, the outbox, appends in the application's transaction (those
// need [WithTransactions]), user keys and personal fields (a
// driver.KeyStore that takes the suite's registry), and Close. Run the
// suite with -race.
//
// Event data is compared by its JSON encoding, so a store that returns
// json.RawMessage passes as well as one that returns the Go value.
// Timestamps must round trip to the nanosecond.
//
// The exported helpers ([NewRef], [NewEvent], [Append], [ReadAll], the
// Assert functions) are for a store's own further tests.
package storetest
