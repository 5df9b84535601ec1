package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExportThenImportCopiesTheLog(t *testing.T) {
	t.Parallel()
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	events := testEvents(n)
	from := newBoltFile(t, events)
	dir := t.TempDir()
	dump := filepath.Join(dir, "events.ndjson")
	to := filepath.Join(dir, "copy.db")

	exported := runBinary(t, plainBinary, "", "export", "--file", from, "--out", dump)
	require.Zero(t, exported.code, exported.stderr)
	assert.Contains(t, exported.stderr, fmt.Sprintf("exported %d events", n))
	imported := runBinary(t, plainBinary, "", "import", "--file", to, "--in", dump, "--batch", "1000")
	require.Zero(t, imported.code, imported.stderr)
	assert.Contains(t, imported.stderr, fmt.Sprintf("imported %d events", n))

	want, got := readFile(t, from), readFile(t, to)
	require.Len(t, got, n)
	assert.Equal(t, summarize(t, want), summarize(t, got))
	for i := range want { // every field, positions too, as the timestamps are whole milliseconds
		w, err := want[i].MarshalJSON()
		require.NoError(t, err)
		g, err := got[i].MarshalJSON()
		require.NoError(t, err)
		if string(w) != string(g) {
			require.Equal(t, string(w), string(g), "event %d", i)
		}
	}
}

func TestExportResumesAfterAPosition(t *testing.T) {
	t.Parallel()
	events := testEvents(30)
	path := newBoltFile(t, events)
	dump := filepath.Join(t.TempDir(), "events.ndjson")

	mustRun(t, "", "export", "--file", path, "--out", dump, "--name", "chat.message.*")
	first, err := os.ReadFile(dump)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dump, []byte(strings.Join(strings.SplitAfter(string(first), "\n")[:12], "")), 0o644))
	mustRun(t, "", "export", "--file", path, "--out", dump, "--after", "12")
	again, err := os.ReadFile(dump)
	require.NoError(t, err)
	assert.Equal(t, string(first), string(again))

	stdout := mustRun(t, "", "export", "--file", path, "--after", "28").stdout
	got := decodeLines(t, stdout)
	require.Len(t, got, 2)
	assert.Equal(t, events[28].ID, got[0].ID)
}

func TestImportLeavesOutEventsStoredAlready(t *testing.T) {
	t.Parallel()
	events := testEvents(40)
	from := newBoltFile(t, events)
	dump := mustRun(t, "", "export", "--file", from).stdout
	lines := strings.SplitAfter(dump, "\n")
	to := filepath.Join(t.TempDir(), "copy.db")

	mustRun(t, strings.Join(lines[:25], ""), "import", "--file", to, "--batch", "10")
	r := mustRun(t, dump, "import", "--file", to, "--batch", "10")
	assert.Contains(t, r.stderr, "imported 15 events")
	assert.Contains(t, r.stderr, "25 stored already left out")
	assert.Equal(t, summarize(t, readFile(t, from)), summarize(t, readFile(t, to)))

	twice := filepath.Join(t.TempDir(), "twice.db")
	r = mustRun(t, strings.Join(lines[:7], "")+dump, "import", "--file", twice, "--batch", "10")
	assert.Contains(t, r.stderr, "imported 40 events")
	assert.Contains(t, r.stderr, "7 stored already left out")
	assert.Equal(t, summarize(t, readFile(t, from)), summarize(t, readFile(t, twice)))
}

func TestImportOfADamagedLineStoresNothingOfItsBatch(t *testing.T) {
	t.Parallel()
	events := testEvents(30)
	from := newBoltFile(t, events)
	lines := strings.SplitAfter(mustRun(t, "", "export", "--file", from).stdout, "\n")
	for name, damage := range map[string]string{
		"json":     `{"context":{"name":"chat"},"aggregate":` + "\n",
		"envelope": strings.Replace(lines[22], `"name":"chat"`, `"name":""`, 1),
		"uuid":     strings.Replace(lines[22], `"id":"`, `"id":"x`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			damaged := append(append(append([]string{}, lines[:22]...), damage), lines[23:]...)
			to := filepath.Join(t.TempDir(), "copy.db")
			r := heraldCmd(t, strings.Join(damaged, ""), "import", "--file", to, "--batch", "10")
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, "line 23: ")
			assert.Contains(t, r.stderr, "nothing of its batch (lines 21 to 23) is stored")
			got := readFile(t, to)
			require.Len(t, got, 20)
			assert.Equal(t, summarize(t, readFile(t, from))[:20], summarize(t, got))
		})
	}
}

func TestImportRefusesABadBatchSize(t *testing.T) {
	t.Parallel()
	to := filepath.Join(t.TempDir(), "copy.db")
	r := heraldCmd(t, "", "import", "--file", to, "--batch", "0")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--batch 0")
	assert.NoFileExists(t, to)
}

func TestExportAndImportShowABarOnATerminal(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(50))
	dump := filepath.Join(t.TempDir(), "events.ndjson")
	out := onTerminal(t, "export", "--file", path, "--out", dump)
	assert.Regexp(t, `\r\[={30}\] 100% 50 events [0-9]+/s \nexported 50 events in .*, up to position 50\n`, out)

	out = onTerminal(t, "import", "--file", filepath.Join(t.TempDir(), "copy.db"), "--in", dump)
	assert.Regexp(t, `\r\[={30}\] 100% 50 events [0-9]+/s \nimported 50 events in [0-9.]+m?s\n`, out)
}
