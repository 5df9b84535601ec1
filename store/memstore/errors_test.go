package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/store/memstore"
)

// TestErrorsReadOneWay checks that the store's errors read
// "memstore: what was done: detail: wrapped error", with one prefix, and
// still match their sentinels.
func TestErrorsReadOneWay(t *testing.T) {
	_, err := memstore.New(memstore.WithCapacity(-1))
	prefixtest.Check(t, err, "memstore", herald.ErrInvalid)
	prefixtest.CheckStore(t, "memstore", func(t *testing.T) herald.Store {
		s, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
