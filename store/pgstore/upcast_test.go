package pgstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// The store is closed and opened again on its schema with the registry of
// the new version, as an application's next release does.
func TestUpcasting(t *testing.T) {
	schema := newSchema(t)
	var open *pgstore.Store
	storetest.Upcasting(t, func(t *testing.T, r *herald.Registry) herald.Store {
		if open != nil {
			require.NoError(t, open.Close())
		}
		s, err := pgstore.Open(context.Background(), dsn(), pgstore.WithSchema(schema), pgstore.WithRegistry(r))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		open = s
		return s
	})
}
