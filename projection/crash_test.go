package projection_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// The crash test: a child process (this test binary, run again) catches a
// projection up on a bbolt file and reports its checkpoint as it goes;
// the test kills it with SIGKILL mid-way, several times, then lets the
// projection finish and compares its model with a fresh rebuild's.

const (
	crashFileEnv = "PROJECTION_CRASH_FILE"
	crashRounds  = 8
)

// crashProjection is the projection of the crash test on s: counts of
// messages per aggregate with their positions, in bucket name.
func crashProjection(t testing.TB, s *boltstore.Store, name string, slow bool) *projection.Projection[*bolt.Tx] {
	m := boltModel{bucket: name}
	handler := m.onSent
	if slow {
		// Slow enough for the test to kill the process in the middle;
		// busy, not asleep, so that a kill at a random moment is as
		// likely to come in any part of the work.
		handler = func(ctx context.Context, tx *bolt.Tx, e herald.Event, d Sent) error {
			for start := time.Now(); time.Since(start) < 20*time.Microsecond; {
			}
			return m.onSent(ctx, tx, e, d)
		}
	}
	p, err := projection.New(projection.Config[*bolt.Tx]{
		Name: name, Store: s, Model: projection.Bolt(s.DB()),
		Handlers:  []projection.Handler[*bolt.Tx]{projection.On(sentName, handler)},
		Reset:     projection.DeleteBuckets(name),
		BatchSize: 64,
	})
	require.NoError(t, err)
	return p
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashFileEnv)
	if path == "" {
		t.Skip("run by TestExactlyOnceAcrossCrashes")
	}
	time.AfterFunc(time.Minute, func() { os.Exit(3) }) // the parent forgot it
	s, err := boltstore.Open(path, boltstore.WithOpenTimeout(10*time.Second))
	if err != nil {
		fmt.Println("E", err)
		os.Exit(2)
	}
	p := crashProjection(t, s, "counts", true)
	go func() {
		for {
			st, err := p.Status(context.Background())
			if err == nil {
				_, _ = os.Stdout.WriteString("P " + strconv.FormatUint(st.Checkpoint, 10) + "\n")
			}
			time.Sleep(time.Millisecond)
		}
	}()
	err = p.Run(context.Background())
	fmt.Println("E", err)
	os.Exit(2)
}

func TestExactlyOnceAcrossCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := boltstore.Open(path, boltstore.WithNoSync())
	require.NoError(t, err)
	e := newEnv(t, s)
	const events = 16_000
	head := e.sendAll(t, messages(50), events, 1000)
	require.NoError(t, s.Close())

	var last uint64
	for round := 1; round <= crashRounds; round++ {
		// Kill it a moment after it passed round parts of the log, at
		// any point of its work: reading, applying, committing.
		at := uint64(round) * events / (crashRounds + 1)
		seen := crashRound(t, path, at, time.Duration(rand.Int64N(int64(3*time.Millisecond))))
		t.Logf("round %d: killed after checkpoint %d", round, seen)
		require.GreaterOrEqual(t, seen, last, "the checkpoint never goes back")
		last = seen
	}

	s, err = boltstore.Open(path, boltstore.WithNoSync())
	require.NoError(t, err)
	defer s.Close()
	db := s.DB()
	var resumed uint64
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		_, resumed = boltCheckpoint(t, tx, "counts")
		return nil
	}))
	require.Less(t, resumed, head, "the last kill came mid-way")

	p := crashProjection(t, s, "counts", false)
	run(t, p)
	require.NoError(t, p.Wait(testCtx(t), head))
	fresh := crashProjection(t, s, "fresh", false)
	require.NoError(t, fresh.Rebuild(testCtx(t)))

	got := boltModel{bucket: "counts"}.read(t, db)
	assert.Equal(t, boltModel{bucket: "fresh"}.read(t, db), got, "the model equals a fresh rebuild")
	assert.Equal(t, expected(t, s), got, "each event took effect exactly once")
}

// crashRound runs the child on path and kills it after delay once its
// checkpoint reached at; it returns the last checkpoint the child
// reported before.
func crashRound(t *testing.T, path string, at uint64, delay time.Duration) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashFileEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	}()
	var seen uint64
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "P "):
			pos, err := strconv.ParseUint(line[2:], 10, 64)
			require.NoError(t, err)
			seen = pos
			if pos >= at {
				time.Sleep(delay)
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				killed = true
				return seen
			}
		case strings.HasPrefix(line, "E "):
			require.Fail(t, "the child failed", line)
		}
	}
	require.Fail(t, "the child ended before it was killed")
	return seen
}
