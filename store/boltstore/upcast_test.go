package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
)

// The file is closed and opened again with the registry of the new
// version, as an application's next release does.
func TestUpcasting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	var open *boltstore.Store
	storetest.Upcasting(t, func(t *testing.T, r *herald.Registry) herald.Store {
		if open != nil {
			require.NoError(t, open.Close())
		}
		s, err := boltstore.Open(path, boltstore.WithRegistry(r))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		open = s
		return s
	})
}
