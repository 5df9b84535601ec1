package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

// tailer is a running herald tail and the events it printed.
type tailer struct {
	cmd    *exec.Cmd
	events chan herald.Event
	ctx    context.Context
}

// startTail runs herald tail with args and decodes its NDJSON output.
func startTail(t *testing.T, args ...string) *tailer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, append([]string{"tail"}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	errOut, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	tl := &tailer{cmd: cmd, events: make(chan herald.Event, 100), ctx: ctx}
	go tl.decode(t, out)
	tl.awaitStart(t, errOut)
	return tl
}

// awaitStart reads stderr until tail says where it begins, so that what
// is appended from then on is what it must show; the rest of stderr goes
// to the test's.
func (tl *tailer) awaitStart(t *testing.T, errOut io.Reader) {
	t.Helper()
	lines := bufio.NewReader(errOut)
	line, err := lines.ReadString('\n')
	require.NoError(t, err, "tail ended before it began: %s", line)
	require.Contains(t, line, "following the log after position")
	go func() { _, _ = io.Copy(os.Stderr, lines) }()
}

func (tl *tailer) decode(t *testing.T, out io.Reader) {
	defer close(tl.events)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var e herald.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Errorf("tail printed %q: %v", sc.Text(), err)
			return
		}
		tl.events <- e
	}
}

// next returns the next event tail printed.
func (tl *tailer) next(t *testing.T) herald.Event {
	t.Helper()
	select {
	case e, ok := <-tl.events:
		require.True(t, ok, "tail ended")
		return e
	case <-tl.ctx.Done():
		t.Fatal("tail printed nothing before the hang guard")
	}
	return herald.Event{}
}

// interrupt sends SIGINT and requires tail to end well.
func (tl *tailer) interrupt(t *testing.T) {
	t.Helper()
	require.NoError(t, tl.cmd.Process.Signal(os.Interrupt))
	for e := range tl.events { // until tail closes its stdout
		t.Errorf("tail printed %s after the last event awaited", e.FullName())
	}
	require.NoError(t, tl.cmd.Wait())
}

func TestTailFollowsAFileWithANameFilter(t *testing.T) {
	t.Parallel()
	events := testEvents(8) // sent at 0 and 4
	path := newBoltFile(t, events)
	tl := startTail(t, "--file", path, "--after", "0", "--name", "chat.*.sent")
	assert.Equal(t, events[0].ID, tl.next(t).ID)
	assert.Equal(t, events[4].ID, tl.next(t).ID)

	s := openBolt(t, path) // tail leaves the file between its reads
	later := []herald.Event{
		{Aggregate: chat(uuid.New()), Name: "liked", ID: uuid.New()},
		{Aggregate: chat(uuid.New()), Name: "sent", ID: uuid.New(), Data: message{Text: "later"}},
	}
	appendAll(t, s, later)
	require.NoError(t, s.Close())

	got := tl.next(t)
	assert.Equal(t, later[1].ID, got.ID)
	assert.Equal(t, uint64(10), got.Metadata.Position)
	tl.interrupt(t)
}

func TestTailStopsWhenAnApplicationTakesTheFile(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(2))
	tl := startTail(t, "--file", path, "--after", "0")
	tl.next(t)
	tl.next(t)
	s := openBolt(t, path)
	defer s.Close()
	for range tl.events {
		t.Error("tail printed an event")
	}
	err := tl.cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
}

func TestTailRefusesABadPattern(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(2))
	r := heraldCmd(t, "", "tail", "--file", path, "--name", "chat.*")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `--name: match: event name pattern "chat.*": want context.aggregate.name`)
}
