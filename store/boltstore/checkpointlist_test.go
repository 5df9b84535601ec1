package boltstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

func TestCheckpointsListsEveryConsumer(t *testing.T) {
	s := openStore(t)
	all, err := s.Checkpoints(t.Context())
	require.NoError(t, err)
	assert.Empty(t, all)

	require.NoError(t, s.SaveCheckpoint(t.Context(), "mailer", 3))
	require.NoError(t, s.SaveCheckpoint(t.Context(), "unread", 9))
	require.NoError(t, s.SaveCheckpoint(t.Context(), "mailer", 4))
	all, err = s.Checkpoints(t.Context())
	require.NoError(t, err)
	assert.Equal(t, map[string]uint64{"mailer": 4, "unread": 9}, all)

	require.NoError(t, s.Close())
	_, err = s.Checkpoints(t.Context())
	assert.ErrorIs(t, err, herald.ErrClosed)
}
