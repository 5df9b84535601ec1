package boltstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash test: a child process (this test binary, run again) publishes
// from crashWriters goroutines into a store file and reports on its
// standard output every batch acknowledged and every event its bus got;
// the test kills it with SIGKILL mid-stream and checks the file, then does
// it again on the same file.

const (
	crashFileEnv  = "BOLTSTORE_CRASH_FILE"
	crashRoundEnv = "BOLTSTORE_CRASH_ROUND"
	crashWriters  = 64
)

// crashSpace is the namespace of the aggregate ids of the crash test.
var crashSpace = uuid.MustParse("6ba7b812-9dad-11d1-80b4-00c04fd430c8")

// crashRef is the aggregate that writer w publishes to in round r.
func crashRef(round, w int) herald.AggregateRef {
	return herald.AggregateRef{Context: "crash", Name: "writer",
		ID: uuid.NewSHA1(crashSpace, []byte(fmt.Sprintf("%d/%d", round, w)))}
}

// crashData is the data of the crash test's events: the writer and its
// count, so the test can check their order.
type crashData struct {
	W int `json:"w"`
	I int `json:"i"`
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashFileEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
	// A child the test forgot to kill ends on its own.
	time.AfterFunc(2*time.Minute, func() { os.Exit(3) })
	s, err := boltstore.Open(path, boltstore.WithOpenTimeout(10*time.Second))
	if err != nil {
		fmt.Println("E", err)
		os.Exit(2)
	}
	out := &lineWriter{}
	p, err := herald.NewPublisher(s, crashBus{out})
	if err != nil {
		fmt.Println("E", err)
		os.Exit(2)
	}
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref := crashRef(round, w)
			for i := 0; ; {
				batch := make([]herald.Event, 1+(i+w)%3)
				for j := range batch {
					batch[j] = herald.Event{Aggregate: ref, Name: "wrote", Data: crashData{W: w, I: i + j}}
				}
				stored, err := p.PublishBatch(context.Background(), batch)
				if err != nil {
					out.printf("E %v\n", err)
					return
				}
				line := fmt.Sprintf("A %d", w)
				for _, e := range stored {
					line += " " + e.ID.String()
				}
				out.printf("%s\n", line)
				i += len(batch)
			}
		}()
	}
	wg.Wait()
	os.Exit(2) // only after errors
}

// lineWriter writes whole lines to the standard output, unbuffered, so
// that what was written before the kill reached the pipe.
type lineWriter struct{ mu sync.Mutex }

func (l *lineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...))
}

// crashBus reports each event it is given with a D line.
type crashBus struct{ out *lineWriter }

func (b crashBus) Publish(_ context.Context, events []herald.Event) error {
	var sb strings.Builder
	for _, e := range events {
		sb.WriteString("D " + e.ID.String() + "\n")
	}
	b.out.printf("%s", sb.String())
	return nil
}
func (crashBus) Subscribe(herald.Subscription) error       { return nil }
func (crashBus) Unsubscribe(context.Context, string) error { return nil }

func TestCrash(t *testing.T) {
	if os.Getenv(crashFileEnv) != "" {
		t.Skip("in the child")
	}
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := make(map[uuid.UUID]bool)
	delivered := make(map[uuid.UUID]bool)
	for round := range rounds {
		killAfter := 300 + rand.IntN(1500)
		n := runCrashChild(t, path, round, killAfter, acked, delivered)
		t.Logf("round %d: killed after %d acknowledged batches", round, n)
		checkCrashFile(t, path, round, acked, delivered)
		if t.Failed() {
			return
		}
	}
}

// runCrashChild runs the child until it acknowledged killAfter batches,
// kills it, and records what it acknowledged and delivered before. It
// returns how many batches it acknowledged in all.
func runCrashChild(t *testing.T, path string, round, killAfter int, acked, delivered map[uuid.UUID]bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashFileEnv+"="+path, crashRoundEnv+"="+strconv.Itoa(round))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	batches, killed := 0, false
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "A":
			for _, f := range fields[2:] {
				if id, err := uuid.Parse(f); err == nil {
					acked[id] = true
				}
			}
			batches++
		case "D":
			if id, err := uuid.Parse(fields[1]); err == nil {
				delivered[id] = true
			}
		case "E":
			t.Errorf("child: %s", lines.Text())
		}
		if batches >= killAfter && !killed {
			require.NoError(t, cmd.Process.Kill()) // SIGKILL
			killed = true
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "the child ended before it was killed: %v", err)
	return batches
}

// checkCrashFile opens the file the child was killed writing and checks
// that every acknowledged event is there, untorn, at positions without
// duplicates or gaps, each writer's events in the order it published them;
// and that every event stored was delivered, before the crash or by
// Redeliver.
func checkCrashFile(t *testing.T, path string, round int, acked, delivered map[uuid.UUID]bool) {
	t.Helper()
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()

	var last uint64
	seen := make(map[uuid.UUID]bool)
	next := make(map[herald.AggregateRef]int) // the next count of each writer
	for e, err := range s.ReadLog(ctx, 0) {
		require.NoError(t, err, "read after position %d", last)
		require.Equal(t, last+1, e.Metadata.Position, "positions follow each other")
		last = e.Metadata.Position
		require.False(t, seen[e.ID], "event %s stored twice", e.ID)
		seen[e.ID] = true
		var d crashData
		require.NoError(t, json.Unmarshal(e.Data.(json.RawMessage), &d), "data of position %d", last)
		require.Equal(t, next[e.Aggregate], d.I, "writer %d's events in order, at position %d", d.W, last)
		require.Equal(t, uint64(d.I+1), e.Metadata.Revision, "revision of writer %d's event %d", d.W, d.I)
		next[e.Aggregate] = d.I + 1
	}
	for id := range acked {
		assert.True(t, seen[id], "acknowledged event %s is stored", id)
	}
	st, err := s.Stats(ctx)
	require.NoError(t, err)
	assert.Equal(t, last, st.Head)
	assert.Equal(t, last, st.Counts["crash.writer.wrote"], "count of the stored events")

	for w := range crashWriters {
		ref := crashRef(round, w)
		revs := 0
		for e, err := range s.ReadStream(ctx, ref, 0, 0) {
			require.NoError(t, err)
			revs++
			require.Equal(t, uint64(revs), e.Metadata.Revision, "stream of writer %d", w)
		}
		assert.Equal(t, next[ref], revs, "stream of writer %d holds its events", w)
	}

	bus := &recordingBus{}
	p, err := herald.NewPublisher(s, bus)
	require.NoError(t, err)
	_, err = p.Redeliver(ctx)
	require.NoError(t, err)
	for _, id := range bus.ids() {
		delivered[id] = true
	}
	for id := range seen {
		if !delivered[id] {
			t.Errorf("event %s is stored but was never delivered", id)
			return
		}
	}
}
