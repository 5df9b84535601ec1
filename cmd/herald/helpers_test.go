package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
)

// binary is the herald command the tests run, built once by TestMain
// with buildFlags; plainBinary is the same without the race detector, for
// the test of 100,000 events, which the detector would make slow.
var (
	binary, plainBinary string
	buildFlags          = []string{"build"}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "herald-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary, plainBinary = filepath.Join(dir, "herald"), filepath.Join(dir, "herald-plain")
	build(binary, buildFlags)
	if len(buildFlags) == 1 {
		plainBinary = binary
	} else {
		build(plainBinary, buildFlags[:1])
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// build builds the command into path, or ends the tests.
func build(path string, flags []string) {
	cmd := exec.Command("go", append(flags, "-o", path, ".")...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the herald command:", err)
		os.Exit(1)
	}
}

// hangGuard is how long a test lets a command run before it takes it for
// hung: a guard, not a measure.
const hangGuard = 2 * time.Minute

// result is what a run of the command printed, and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// heraldCmd runs the command with args and stdin, as a user would from a
// pipe (neither stdout nor stderr is a terminal).
func heraldCmd(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runBinary(t, binary, stdin, args...)
}

// runBinary runs the command at path.
func runBinary(t *testing.T, path, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "HERALD_TOKEN=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run herald %v: %v", args, err)
	}
	return r
}

// mustRun runs the command and requires it to succeed.
func mustRun(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := heraldCmd(t, stdin, args...)
	require.Zero(t, r.code, "herald %v failed:\n%s", args, r.stderr)
	return r
}

// chat is the aggregate type of the tests' events.
func chat(id uuid.UUID) herald.AggregateRef {
	return herald.AggregateRef{Context: "chat", Name: "message", ID: id}
}

// message is the data of the tests' events.
type message struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

// testEvents returns n events of n/4 aggregates (at least one), "sent"
// then "liked" three times each, with labels and a user on some.
func testEvents(n int) []herald.Event {
	events := make([]herald.Event, n)
	var ref herald.AggregateRef
	base := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for i := range events {
		if i%4 == 0 {
			ref = chat(uuid.New())
		}
		name := "liked"
		if i%4 == 0 {
			name = "sent"
		}
		data := json.RawMessage(fmt.Sprintf(`{"text":"text %d","n":%d}`, i, i)) // as a store reads it back
		e := herald.Event{Aggregate: ref, Name: name, ID: uuid.New(), Data: data}
		e.Metadata.Timestamp = base.Add(time.Duration(i) * time.Millisecond)
		if i%3 == 0 {
			e.Metadata.Labels = map[string]string{"room": fmt.Sprint("room-", i%2)}
			e.User = &herald.User{ID: "jane@example.com"}
		}
		events[i] = e
	}
	return events
}

// appendAll appends events in batches of 1,000.
func appendAll(t *testing.T, s herald.Store, events []herald.Event) {
	t.Helper()
	for len(events) > 0 {
		n := min(len(events), 1000)
		require.NoError(t, s.Append(context.Background(), events[:n]))
		events = events[n:]
	}
}

// openBolt opens the store at path, waiting for a command that holds it
// for a moment.
func openBolt(t *testing.T, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, boltstore.WithNoSync(), boltstore.WithOpenTimeout(hangGuard))
	require.NoError(t, err)
	return s
}

// newBoltFile returns the path of a new store file holding events.
func newBoltFile(t *testing.T, events []herald.Event) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	s := openBolt(t, path)
	appendAll(t, s, events)
	require.NoError(t, s.Close())
	return path
}

// readAll reads the whole log of s.
func readAll(t *testing.T, s herald.Store) []herald.Event {
	t.Helper()
	var all []herald.Event
	for e, err := range s.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		all = append(all, e)
	}
	return all
}

// readFile reads the whole log of the store file at path.
func readFile(t *testing.T, path string) []herald.Event {
	t.Helper()
	s := openBolt(t, path)
	defer s.Close()
	return readAll(t, s)
}

// decodeLines decodes NDJSON envelopes.
func decodeLines(t *testing.T, ndjson string) []herald.Event {
	t.Helper()
	var events []herald.Event
	for i, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		if line == "" {
			continue
		}
		var e herald.Event
		require.NoError(t, json.Unmarshal([]byte(line), &e), "line %d: %s", i+1, line)
		events = append(events, e)
	}
	return events
}

// summary is what two logs must have alike: the id, name, position order
// and data of each event.
type summary struct {
	ID       uuid.UUID
	Name     string
	Revision uint64
	Data     string
}

func summarize(t *testing.T, events []herald.Event) []summary {
	t.Helper()
	out := make([]summary, len(events))
	for i, e := range events {
		if i > 0 {
			require.Greater(t, e.Metadata.Position, events[i-1].Metadata.Position, "positions out of order at %d", i)
		}
		data, ok := e.Data.(json.RawMessage)
		if !ok {
			b, err := json.Marshal(e.Data)
			require.NoError(t, err)
			data = b
		}
		out[i] = summary{ID: e.ID, Name: e.FullName(), Revision: e.Metadata.Revision, Data: string(data)}
	}
	return out
}
