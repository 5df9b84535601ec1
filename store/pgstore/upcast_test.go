package pgstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
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

// A schema of version 1, from before the data had versions, migrates to
// version 2: its events read as version 0, which means 1, and new ones
// keep theirs.
func TestMigrationAddsTheVersion(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	ref := storetest.NewRef("communication", "message")
	old := storetest.Append(t, s, storetest.NewEvent(ref, "sent", map[string]string{"text": "hey"}))[0]
	for _, table := range []string{"events", "dead_letters"} {
		execIn(t, s, "ALTER TABLE "+pgx.Identifier{schema, table}.Sanitize()+" DROP COLUMN version")
	}
	execIn(t, s, "DROP TABLE "+pgx.Identifier{schema, "subscriptions"}.Sanitize()) // of version 3
	execIn(t, s, "UPDATE "+pgx.Identifier{schema, "meta"}.Sanitize()+" SET version = 1")
	require.NoError(t, s.Close())

	s = openIn(t, schema)
	var version int
	require.NoError(t, s.Pool().QueryRow(t.Context(), "SELECT version FROM "+pgx.Identifier{schema, "meta"}.Sanitize()).Scan(&version))
	assert.Equal(t, pgstore.SchemaVersion, version)
	e := storetest.NewEvent(ref, "sent", map[string]string{"body": "hi"})
	e.Metadata.Version = 2
	log := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, log, 1)
	storetest.AssertEventEqual(t, old, log[0])
	assert.Zero(t, log[0].Metadata.Version)
	storetest.Append(t, s, e)
	log = storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, log, 2)
	assert.Equal(t, 2, log[1].Metadata.Version)
}
