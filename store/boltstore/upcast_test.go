package boltstore_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
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

// An event with sealed personal fields (envelope format 4) keeps the
// version of its data, and reads back upcast and opened.
func TestSealedEventsKeepTheirVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	v2, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[profile](v2, "accounts", "profile", "changed", herald.WithVersion(2),
		herald.WithUpcast(1, func(data json.RawMessage) (json.RawMessage, error) { return data, nil }))
	require.NoError(t, err)
	s, err := boltstore.Open(path, boltstore.WithRegistry(v2))
	require.NoError(t, err)
	defer s.Close()
	p, err := herald.NewPublisher(s, nil)
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "profile", ID: uuid.New()}
	ctx := herald.ContextWithUser(t.Context(), herald.User{ID: "jane"})
	_, err = p.Publish(ctx, herald.Event{Aggregate: ref, Name: "changed", Data: profile{Email: "jane@example.com", City: "Rome"}})
	require.NoError(t, err)
	_, values := rawValues(t, s.DB(), "jane")
	require.Len(t, values, 1)
	assert.Equal(t, byte(4), values[0][0], "the envelope's format")
	log := storetest.ReadAll(t, s.ReadLog(t.Context(), 0))
	require.Len(t, log, 1)
	assert.Equal(t, 2, log[0].Metadata.Version)
	assert.Equal(t, profile{Email: "jane@example.com", City: "Rome"}, log[0].Data)
}
