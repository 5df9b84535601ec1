package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
	"github.com/herald-go/herald/store/storetest"
)

// A memory store cannot be reopened: the second store of the test is a
// new one that holds the first one's log, appended as an import does, its
// data the Go values of the old version.
func TestUpcasting(t *testing.T) {
	var first *memstore.Store
	storetest.Upcasting(t, func(t *testing.T, r *herald.Registry) herald.Store {
		s := newStore(t)
		if first == nil {
			first = s
			return s
		}
		log := storetest.ReadAll(t, first.ReadLog(t.Context(), 0))
		require.NoError(t, first.Close())
		require.True(t, s.UseRegistry(r))
		require.NoError(t, s.Append(t.Context(), log))
		return s
	})
}
