package boltstore_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) herald.Store {
		return openStore(t)
	}, storetest.WithTransactions(beginTx))
}

// beginTx begins a writable transaction of the store's file, as an
// application does with db.Begin(true).
func beginTx(t *testing.T, st herald.Store) storetest.Transaction {
	t.Helper()
	tx, err := st.(*boltstore.Store).DB().Begin(true)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	return storetest.Transaction{Ctx: boltstore.ContextWithTx(t.Context(), tx), Commit: tx.Commit, Rollback: tx.Rollback}
}

// openStore opens a store in a new file of t's temporary directory and
// closes it when t ends.
func openStore(t testing.TB, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// jsonRaw is the type of the data of events read back.
type jsonRaw = json.RawMessage
