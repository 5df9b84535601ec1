package main_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAFileInUseIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	s := openBolt(t, path)
	defer s.Close()
	appendAll(t, s, testEvents(3))

	for _, cmd := range []string{"log", "stats", "export", "import", "tail", "consumers"} {
		r := heraldCmd(t, "", cmd, "--file", path)
		assert.Equal(t, 1, r.code, cmd)
		assert.Contains(t, r.stderr, "the file is in use by a running application; use --url", cmd)
	}
	require.Len(t, readAll(t, s), 3)
}
