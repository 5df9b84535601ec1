package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
)

func TestOpenAnUnreachableServerNamesTheHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := pgstore.Open(ctx, "postgres://postgres@127.0.0.1:1/test?connect_timeout=5")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:1")
	assert.Contains(t, err.Error(), "refused")
}

func TestOpenRefusesBadOptions(t *testing.T) {
	_, err := pgstore.Open(t.Context(), dsn(), pgstore.WithSchema(""))
	assert.ErrorIs(t, err, herald.ErrInvalid)
	_, err = pgstore.Open(t.Context(), "postgres://%zz")
	assert.ErrorIs(t, err, herald.ErrInvalid)
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	schema := newSchema(t)
	a, b := openIn(t, schema), openIn(t, schema)
	require.NoError(t, a.Append(t.Context(), []herald.Event{note(herald.AggregateRef{Context: "a", Name: "b", ID: [16]byte{1}})}))
	st, err := b.Stats(t.Context())
	require.NoError(t, err)
	assert.Equal(t, uint64(1), st.Events)
}

// execIn runs sql on the pool of s.
func execIn(t *testing.T, s *pgstore.Store, sql string) {
	_, err := s.Pool().Exec(t.Context(), sql)
	require.NoError(t, err)
}

func TestOpenRefusesAHandEditedSchema(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	execIn(t, s, "ALTER TABLE "+pgx.Identifier{schema, "events"}.Sanitize()+" DROP COLUMN correlation_id")
	_, err := pgstore.Open(t.Context(), dsn(), pgstore.WithSchema(schema))
	require.ErrorIs(t, err, pgstore.ErrSchema)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), schema+".events")
	assert.Contains(t, err.Error(), "correlation_id")
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	execIn(t, s, "UPDATE "+pgx.Identifier{schema, "meta"}.Sanitize()+" SET version = 99")
	_, err := pgstore.Open(t.Context(), dsn(), pgstore.WithSchema(schema))
	require.ErrorIs(t, err, pgstore.ErrNewerSchema)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "99")
}
