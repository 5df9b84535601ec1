package main_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogPrintsPagesAsNDJSONWithTheirCursor(t *testing.T) {
	t.Parallel()
	events := testEvents(10)
	path := newBoltFile(t, events)

	first := mustRun(t, "", "log", "--file", path, "--top", "4")
	got := decodeLines(t, first.stdout)
	require.Len(t, got, 4)
	assert.Equal(t, events[0].ID, got[0].ID)
	cursor := strings.TrimSpace(strings.TrimPrefix(first.stderr, "next page: --cursor"))
	require.NotEmpty(t, cursor, "stderr: %s", first.stderr)

	second := mustRun(t, "", "log", "--file", path, "--top", "4", "--cursor", cursor)
	got = decodeLines(t, second.stdout)
	require.Len(t, got, 4)
	assert.Equal(t, events[4].ID, got[0].ID)
}

func TestLogSelectsByNameLabelTimeAndOrder(t *testing.T) {
	t.Parallel()
	events := testEvents(12)
	path := newBoltFile(t, events)

	sent := decodeLines(t, mustRun(t, "", "log", "--file", path, "--name", "chat.message.sent").stdout)
	require.Len(t, sent, 3)
	for _, e := range sent {
		assert.Equal(t, "sent", e.Name)
	}

	labelled := decodeLines(t, mustRun(t, "", "log", "--file", path, "--label", "room:room-0").stdout)
	require.Len(t, labelled, 2) // events 0 and 6
	assert.Equal(t, events[6].ID, labelled[1].ID)

	newest := decodeLines(t, mustRun(t, "", "log", "--file", path, "--newest", "--top", "1").stdout)
	require.Len(t, newest, 1)
	assert.Equal(t, events[11].ID, newest[0].ID)

	since := events[10].Metadata.Timestamp.Format("2006-01-02T15:04:05.000Z07:00")
	late := decodeLines(t, mustRun(t, "", "log", "--file", path, "--since", since).stdout)
	require.Len(t, late, 2)
}

func TestLogRefusesBadFlagsWithoutOpeningTheStore(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"time":        {"--since", "yesterday"},
		"label":       {"--label", "nocolon"},
		"correlation": {"--correlation-id", "42"},
		"unknown":     {"--colour"},
		"argument":    {"chat.message.sent"},
	} {
		t.Run(name, func(t *testing.T) {
			missing := t.TempDir() + "/missing.db"
			r := heraldCmd(t, "", append([]string{"log", "--file", missing}, args...)...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.NoFileExists(t, missing)
		})
	}
}

func TestLogNamesAMissingFileAndAMissingSource(t *testing.T) {
	t.Parallel()
	missing := t.TempDir() + "/missing.db"
	r := heraldCmd(t, "", "log", "--file", missing)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no such file")
	assert.NoFileExists(t, missing)

	r = heraldCmd(t, "", "stats")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "--file PATH, --postgres DSN or --url URL")
}

func TestStatsCountsEventsPerName(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(8))
	r := mustRun(t, "", "stats", "--file", path)
	assert.JSONEq(t, `{"events":8,"head":8,"counts":{"chat.message.liked":6,"chat.message.sent":2}}`, r.stdout)
}

// onTerminal runs the command with stdout on a terminal, through script(1).
func onTerminal(t *testing.T, args ...string) string {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to give the command a terminal")
	}
	line := binary + " " + strings.Join(args, " ")
	out, err := exec.Command(script, "-qc", line, "/dev/null").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

func TestLogAndStatsPrintTablesOnATerminal(t *testing.T) {
	t.Parallel()
	events := testEvents(6)
	path := newBoltFile(t, events)

	table := onTerminal(t, "log", "--file", path, "--top", "3")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	require.GreaterOrEqual(t, len(lines), 4, table)
	assert.Regexp(t, `^POSITION +TIMESTAMP +NAME +AGGREGATE +REV +USER +DATA$`, lines[0])
	assert.Regexp(t, `^ +1  2026-12-03 09:00:00.000Z +chat.message.sent +`+events[0].Aggregate.ID.String()+` +1 +jane@example.com +\{"text":"text 0","n":0\}$`, lines[1])
	assert.Equal(t, strings.Index(lines[0], "NAME"), strings.Index(lines[2], "chat"), "columns aligned")
	assert.Contains(t, table, "next page: --cursor ")

	stats := onTerminal(t, "stats", "--file", path)
	assert.Regexp(t, `NAME +EVENTS\nchat.message.liked +4\nchat.message.sent +2\n\n6 events, head at position 6`, stats)
}
