package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) herald.Store {
		return openStore(t)
	}, storetest.WithTransactions(beginTx))
}

// beginTx begins a transaction on the store's pool, as an application
// does.
func beginTx(t *testing.T, st herald.Store) storetest.Transaction {
	t.Helper()
	tx, err := st.(*pgstore.Store).Begin(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(t.Context()) })
	return storetest.Transaction{
		Ctx:      pgstore.ContextWithTx(t.Context(), tx),
		Commit:   func() error { return tx.Commit(t.Context()) },
		Rollback: func() error { return tx.Rollback(t.Context()) },
	}
}
