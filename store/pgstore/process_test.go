package pgstore_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// The tests of several processes run this test binary again as a child,
// with childEnv naming what it does (see TestChild), on the schema in
// schemaEnv. A child writes one line per thing it does on its standard
// output; the parent reads them.
const (
	childEnv  = "PGSTORE_TEST_CHILD"
	schemaEnv = "PGSTORE_TEST_SCHEMA"
	slowEnv   = "PGSTORE_TEST_SLOW"
)

// Names of the children's consumers and events.
const (
	childProjection = "totals"
	noteName        = "noted"
)

var noteFull = "proc.note." + noteName

// TestChild is the child's side: "follow" runs a durable subscription
// woken by the store's Feed and writes "E position" for each event it
// gets; "project" runs the projection of projectionOn, under the store's
// Lease, and writes "H pid position" for each event it applies and
// "P position" for each checkpoint.
func TestChild(t *testing.T) {
	role := os.Getenv(childEnv)
	if role == "" {
		t.Skip("run by the tests of several processes")
	}
	time.AfterFunc(2*time.Minute, func() { os.Exit(3) }) // the parent forgot it
	ctx := context.Background()
	s, err := pgstore.Open(ctx, dsn(), pgstore.WithSchema(os.Getenv(schemaEnv)))
	if err != nil {
		fmt.Println("X", err)
		os.Exit(2)
	}
	out := make(chan string, 1<<16)
	go func() {
		w := bufio.NewWriter(os.Stdout)
		for line := range out {
			w.WriteString(line + "\n")
			if len(out) == 0 {
				w.Flush()
			}
		}
	}()
	switch role {
	case "follow":
		sub, err := durable.New(durable.Config{
			Subscription: herald.Subscription{Name: "follower", Handler: herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
				out <- "E " + strconv.FormatUint(e.Metadata.Position, 10)
				return nil
			})},
			Store: s, Feed: s.Feed(),
		})
		if err != nil {
			fmt.Println("X", err)
			os.Exit(2)
		}
		err = sub.Run(ctx)
		fmt.Println("X", err)
	case "project":
		p := projectionOn(t, s, os.Getenv(slowEnv) == "1", func(pos uint64) {
			out <- "H " + strconv.Itoa(os.Getpid()) + " " + strconv.FormatUint(pos, 10)
		})
		go func() {
			var last uint64
			for {
				st, err := p.Status(ctx)
				if err == nil && st.Checkpoint != last {
					last = st.Checkpoint
					out <- "P " + strconv.FormatUint(last, 10)
				}
				time.Sleep(time.Millisecond)
			}
		}()
		err = p.Run(ctx)
		fmt.Println("X", err)
	}
	os.Exit(1)
}

// projectionOn is the children's projection on s: it counts the events
// in the totals table and notes each position it applied in handled, in
// the transaction of its checkpoint. applied, when not nil, is told each
// position as the handler applies it, before the commit: it says which
// process runs.
func projectionOn(t testing.TB, s *pgstore.Store, slow bool, applied func(uint64)) *projection.Projection[pgx.Tx] {
	q := pgx.Identifier{s.Schema()}.Sanitize()
	handle := func(ctx context.Context, tx pgx.Tx, e herald.Event, _ map[string]string) error {
		if slow {
			// Busy, not asleep, so that a kill at a random moment is as
			// likely to come in any part of the work.
			for start := time.Now(); time.Since(start) < 20*time.Microsecond; {
			}
		}
		if applied != nil {
			applied(e.Metadata.Position)
		}
		if _, err := tx.Exec(ctx, "UPDATE "+q+".totals SET n = n + 1"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO "+q+".handled (position) VALUES ($1)", int64(e.Metadata.Position))
		return err
	}
	p, err := projection.New(projection.Config[pgx.Tx]{
		Name: childProjection, Store: s, Feed: s.Feed(), Lease: s.Lease(), Model: pgstore.Model(s),
		Handlers:  []projection.Handler[pgx.Tx]{projection.On(noteFull, handle)},
		Reset:     pgstore.TruncateTables(q+".handled", q+".totals"),
		BatchSize: 64,
	})
	require.NoError(t, err)
	return p
}

// createModelTables makes the tables of projectionOn in schema.
func createModelTables(t testing.TB, s *pgstore.Store) {
	q := pgx.Identifier{s.Schema()}.Sanitize()
	_, err := s.Pool().Exec(t.Context(), "CREATE TABLE "+q+".totals (n bigint NOT NULL); INSERT INTO "+q+".totals VALUES (0); "+
		"CREATE TABLE "+q+".handled (position bigint NOT NULL)")
	require.NoError(t, err)
}

// modelCounts returns the total, the rows of handled and the distinct
// positions in them.
func modelCounts(t testing.TB, s *pgstore.Store) (total, rows, distinct int64) {
	q := pgx.Identifier{s.Schema()}.Sanitize()
	require.NoError(t, s.Pool().QueryRow(t.Context(), "SELECT (SELECT n FROM "+q+".totals), count(*), count(DISTINCT position) FROM "+q+".handled").
		Scan(&total, &rows, &distinct))
	return total, rows, distinct
}

// child is a running child process and its lines.
type child struct {
	cmd   *exec.Cmd
	lines chan string
}

// startChild runs this test binary as a child of role on schema.
func startChild(t *testing.T, role, schema string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + role, schemaEnv + "=" + schema}, env...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, lines: make(chan string, 1<<16)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() { c.kill() })
	return c
}

func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
}

// await returns the first line for which want returns true, failing t
// when the child ends or the generous limit passes first.
func (c *child) await(t *testing.T, limit time.Duration, what string, want func(fields []string) bool) []string {
	t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("the child ended before %s", what)
			}
			f := strings.Fields(line)
			if len(f) > 0 && f[0] == "X" {
				t.Fatalf("the child failed before %s: %s", what, line)
			}
			if want(f) {
				return f
			}
		case <-timeout:
			t.Fatalf("no %s within %s", what, limit)
		}
	}
}

func note(ref herald.AggregateRef) herald.Event {
	return storetest.NewEvent(ref, noteName, map[string]string{"n": "x"})
}

// TestAnotherProcessSeesAnEventSoon appends events one at a time while a
// durable subscription in a child process, woken by the store's Feed,
// follows the log; each must reach the child well within the design's
// 100 ms (the test allows 10 s, and logs what it measured).
func TestAnotherProcessSeesAnEventSoon(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	ref := storetest.NewRef("proc", "note")
	storetest.Append(t, s, note(ref))
	c := startChild(t, "follow", schema)
	c.await(t, time.Minute, "the first event", func(f []string) bool { return len(f) == 2 && f[0] == "E" && f[1] == "1" })
	var worst, sum time.Duration
	const n = 30
	for range n {
		batch := storetest.Append(t, s, note(ref))
		start := time.Now()
		pos := strconv.FormatUint(batch[0].Metadata.Position, 10)
		c.await(t, 10*time.Second, "event "+pos, func(f []string) bool { return len(f) == 2 && f[0] == "E" && f[1] == pos })
		d := time.Since(start)
		sum += d
		worst = max(worst, d)
	}
	t.Logf("from append to the other process: mean %s, worst %s of %d events", sum/n, worst, n)
}

// TestExactlyOnceAcrossKills runs the projection in a child process and
// kills it with SIGKILL mid-way, several times; then lets a last child
// finish. Every event must have been applied exactly once.
func TestExactlyOnceAcrossKills(t *testing.T) {
	const events, rounds = 3000, 5
	schema := newSchema(t)
	s := openIn(t, schema)
	createModelTables(t, s)
	ref := storetest.NewRef("proc", "note")
	for range events / 500 {
		batch := make([]herald.Event, 500)
		for i := range batch {
			batch[i] = note(ref)
		}
		storetest.Append(t, s, batch...)
	}
	last := uint64(0)
	kills := 0
	for range rounds {
		c := startChild(t, "project", schema, slowEnv+"=1")
		f := c.await(t, time.Minute, "a checkpoint past "+strconv.FormatUint(last, 10), func(f []string) bool {
			if len(f) != 2 || f[0] != "P" {
				return false
			}
			p, _ := strconv.ParseUint(f[1], 10, 64)
			return p > last
		})
		last, _ = strconv.ParseUint(f[1], 10, 64)
		c.kill()
		if last >= events {
			break
		}
		kills++
	}
	require.Positive(t, kills, "killed mid-way at least once")
	c := startChild(t, "project", schema)
	c.await(t, time.Minute, "the last checkpoint", func(f []string) bool { return len(f) == 2 && f[0] == "P" && f[1] == strconv.Itoa(events) })
	c.kill()
	total, rows, distinct := modelCounts(t, s)
	require.Equal(t, int64(events), total, "the total counts each event once")
	require.Equal(t, int64(events), rows, "each event applied once")
	require.Equal(t, int64(events), distinct, "every event applied")
	t.Logf("killed %d times", kills)
}

// TestTakeoverAfterKill runs the projection in two child processes under
// the store's Lease: one applies, the other waits. The test kills the one
// that applies with SIGKILL and appends again: the other must take over
// from the checkpoint within the design's 5 s (the test allows 60 s, and
// logs what it measured).
func TestTakeoverAfterKill(t *testing.T) {
	schema := newSchema(t)
	s := openIn(t, schema)
	createModelTables(t, s)
	ref := storetest.NewRef("proc", "note")
	a, b := startChild(t, "project", schema), startChild(t, "project", schema)
	storetest.Append(t, s, note(ref))
	// Whichever runs applies event 1; wait for its checkpoint too, so
	// that the takeover starts after it.
	lines := make(chan []string, 2)
	for _, c := range []*child{a, b} {
		go func() {
			for line := range c.lines {
				lines <- append(strings.Fields(line), strconv.Itoa(c.cmd.Process.Pid))
			}
		}()
	}
	holder := awaitLine(t, lines, time.Minute, "event 1 applied", func(f []string) bool { return f[0] == "P" && f[1] == "1" })
	holderPid, _ := strconv.Atoi(holder[len(holder)-1])
	var holding, waiting *child
	switch holderPid {
	case a.cmd.Process.Pid:
		holding, waiting = a, b
	default:
		holding, waiting = b, a
	}
	start := time.Now()
	holding.kill()
	storetest.Append(t, s, note(ref))
	f := awaitLine(t, lines, time.Minute, "event 2 applied by the other process", func(f []string) bool { return f[0] == "H" && f[2] == "2" })
	took := time.Since(start)
	require.Equal(t, strconv.Itoa(waiting.cmd.Process.Pid), f[1], "the process that waited applies it")
	awaitLine(t, lines, time.Minute, "checkpoint 2", func(f []string) bool { return f[0] == "P" && f[1] == "2" })
	total, rows, distinct := modelCounts(t, s)
	require.Equal(t, []int64{2, 2, 2}, []int64{total, rows, distinct}, "from the checkpoint: event 1 not applied again")
	t.Logf("taken over %s after the kill", took)
}

func awaitLine(t *testing.T, lines chan []string, limit time.Duration, what string, want func(f []string) bool) []string {
	t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case f := <-lines:
			if f[0] == "X" {
				t.Fatalf("a child failed before %s: %v", what, f)
			}
			if len(f) >= 3 && want(f) {
				return f
			}
		case <-timeout:
			t.Fatalf("no %s within %s", what, limit)
		}
	}
}
