package boltstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/store/boltstore"
)

// TestErrorsReadOneWay checks that the store's errors read
// "boltstore: what was done: detail: wrapped error", with one prefix, and
// still match their sentinels.
func TestErrorsReadOneWay(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte("not a bbolt file, not at all, of any kind whatsoever"), 0o600))
	open := filepath.Join(dir, "open.db")
	s, err := boltstore.Open(open)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, lockedErr := boltstore.Open(open)
	_, junkErr := boltstore.Open(junk)
	_, emptyErr := boltstore.Open("")
	_, optionErr := boltstore.Open(filepath.Join(dir, "x.db"), boltstore.WithOpenTimeout(-1))
	_, decodeErr := boltstore.DecodeEvent(1, []byte{1, 2, 3})
	prefixtest.CheckAll(t, "boltstore", map[string]prefixtest.Case{
		"empty path":  {emptyErr, herald.ErrInvalid},
		"bad option":  {optionErr, herald.ErrInvalid},
		"locked":      {lockedErr, boltstore.ErrLocked},
		"not a store": {junkErr, herald.ErrInvalid},
		"undecodable": {decodeErr, boltstore.ErrCorrupt},
	})
	require.ErrorIs(t, junkErr, boltstore.ErrNotStore)
	var de *boltstore.DecodeError
	require.ErrorAs(t, decodeErr, &de)
	prefixtest.CheckStore(t, "boltstore", func(t *testing.T) herald.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
