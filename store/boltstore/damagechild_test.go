package boltstore_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The child of the damage test and the parent's side of it. The child
// reports each case on its standard output: "damage start <case>", then
// "damage done <case> <outcome>", the outcome one of
//
//	refused <corrupt|notstore|newer> <error>   Open refused the file
//	bad-error <error>                          Open failed otherwise
//	read                                       every read returned the events written
//	read-error <read>: <error>                 a read failed
//	wrong <read>: <what>                       a read returned other events

func TestDamagedFilesChild(t *testing.T) {
	path := os.Getenv(damageFileEnv)
	if path == "" {
		t.Skip("run by TestDamagedFiles")
	}
	from, err := strconv.Atoi(os.Getenv(damageFromEnv))
	require.NoError(t, err)
	cases := damages(t, path)
	want := readReference(t, path)
	pristine, err := os.ReadFile(path)
	require.NoError(t, err)
	work := filepath.Join(t.TempDir(), "damaged.db")
	require.NoError(t, os.WriteFile(work, pristine, 0o600))
	for i := from; i < len(cases); i++ {
		fmt.Printf("damage start %d\n", i)
		outcome := strings.ReplaceAll(runDamage(t, work, pristine, cases[i], want), "\n", " | ")
		fmt.Printf("damage done %d %s\n", i, outcome)
	}
}

// reference is what reads of the undamaged file return: every event, the
// streams of some aggregates and the stats, the events as their position
// and envelope.
type reference struct {
	log     [][]byte
	streams map[herald.AggregateRef][][]byte
	stats   herald.Stats
}

func readReference(t *testing.T, path string) reference {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	copied := filepath.Join(t.TempDir(), "reference.db")
	require.NoError(t, os.WriteFile(copied, data, 0o600))
	s, err := boltstore.Open(copied)
	require.NoError(t, err)
	defer s.Close()
	ref := reference{streams: make(map[herald.AggregateRef][][]byte)}
	var events []herald.Event
	for e, err := range s.ReadLog(t.Context(), 0) {
		require.NoError(t, err)
		events = append(events, e)
	}
	ref.log = encodeAll(events)
	for i := 0; i < len(events); i += len(events)/8 + 1 {
		var stream []herald.Event
		for e, err := range s.ReadStream(t.Context(), events[i].Aggregate, 0, 0) {
			require.NoError(t, err)
			stream = append(stream, e)
		}
		ref.streams[events[i].Aggregate] = encodeAll(stream)
	}
	ref.stats, err = s.Stats(t.Context())
	require.NoError(t, err)
	return ref
}

// encodeAll returns each event as its position and envelope, or what
// did not encode.
func encodeAll(events []herald.Event) [][]byte {
	out := make([][]byte, len(events))
	for i := range events {
		b := binary.BigEndian.AppendUint64(nil, events[i].Metadata.Position)
		env, err := boltstore.EncodeEvent(b, &events[i])
		if err != nil {
			env = []byte("does not encode: " + err.Error())
		}
		out[i] = env
	}
	return out
}

// runDamage damages the file work, a copy of pristine, as d says, opens
// and reads it, and undoes a flip.
func runDamage(t *testing.T, work string, pristine []byte, d damage, want reference) string {
	if d.cut >= 0 {
		require.NoError(t, os.Truncate(work, d.cut))
	} else {
		writeByte(t, work, d.offset, pristine[d.offset]^d.mask)
		defer writeByte(t, work, d.offset, pristine[d.offset])
	}
	s, err := boltstore.Open(work, boltstore.WithOpenTimeout(time.Minute))
	if err != nil {
		return refusal(work, err)
	}
	defer s.Close()
	return readDamaged(t, s, want)
}

func writeByte(t *testing.T, path string, off int64, b byte) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{b}, off)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// refusal returns the outcome of an Open that failed.
func refusal(path string, err error) string {
	kinds := []struct {
		name string
		err  error
	}{{"corrupt", boltstore.ErrCorrupt}, {"notstore", boltstore.ErrNotStore}, {"newer", boltstore.ErrNewerFormat}}
	if errors.Is(err, herald.ErrInvalid) && strings.Contains(err.Error(), path) {
		for _, k := range kinds {
			if errors.Is(err, k.err) {
				return "refused " + k.name + " " + err.Error()
			}
		}
	}
	return "bad-error " + err.Error()
}

// readDamaged reads the log, some streams and the stats of s, and returns
// the outcome: the first wrong read, else the first failed one, else read.
func readDamaged(t *testing.T, s *boltstore.Store, want reference) string {
	var failed string
	note := func(what string, got [][]byte, err error, want [][]byte) string {
		if n := len(got); n > len(want) || !reflect.DeepEqual(got, want[:n]) || err == nil && n < len(want) {
			return fmt.Sprintf("wrong %s: %d events, %s", what, n, firstDifference(got, want))
		}
		if err != nil && failed == "" {
			failed = fmt.Sprintf("read-error %s: %v", what, err)
		}
		return ""
	}
	got, err := readEncoded(s.ReadLog(t.Context(), 0))
	if wrong := note("ReadLog", got, err, want.log); wrong != "" {
		return wrong
	}
	for ref, stream := range want.streams {
		got, err := readEncoded(s.ReadStream(t.Context(), ref, 0, 0))
		if wrong := note("ReadStream "+ref.ID.String(), got, err, stream); wrong != "" {
			return wrong
		}
	}
	st, err := s.Stats(t.Context())
	if err == nil && !reflect.DeepEqual(st, want.stats) {
		return fmt.Sprintf("wrong Stats: %+v", st)
	}
	if err != nil && failed == "" {
		failed = "read-error Stats: " + err.Error()
	}
	if failed != "" {
		return failed
	}
	return "read"
}

// readEncoded returns the events seq yields until its first error,
// encoded, and the error.
func readEncoded(seq iter.Seq2[herald.Event, error]) ([][]byte, error) {
	var events []herald.Event
	for e, err := range seq {
		if err != nil {
			return encodeAll(events), err
		}
		events = append(events, e)
	}
	return encodeAll(events), nil
}

func firstDifference(got, want [][]byte) string {
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			return fmt.Sprintf("event %d differs", i)
		}
	}
	return fmt.Sprintf("%d written", len(want))
}

// runDamageChildren runs the cases in children, a new one after each
// crash, and returns the outcome of each case.
func runDamageChildren(t *testing.T, path string, cases []damage) map[int]string {
	outcomes := make(map[int]string)
	for from := 0; from < len(cases); {
		crashed := runDamageChild(t, path, from, outcomes)
		if crashed < 0 {
			break
		}
		from = crashed + 1
	}
	return outcomes
}

// runDamageChild runs a child from case from, records the outcomes it
// reports, and returns the case it crashed at, or -1.
func runDamageChild(t *testing.T, path string, from int, outcomes map[int]string) int {
	args := []string{"-test.run=^TestDamagedFilesChild$", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short") // the child makes the same cases
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), damageFileEnv+"="+path, damageFromEnv+"="+strconv.Itoa(from))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// A child that reports nothing for a minute hangs.
	watchdog := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
	current := scanDamageReports(stdout, outcomes, func() { watchdog.Reset(time.Minute) })
	watchdog.Stop()
	err = cmd.Wait()
	if current >= 0 {
		outcomes[current] = fmt.Sprintf("crash %v: %s", err, crashReport(stderr.String()))
		return current
	}
	require.NoError(t, err, "the child: %s", stderr.String())
	return -1
}

// scanDamageReports records the outcomes a child reports on out, calling
// alive on each line, and returns the case it started last and did not
// finish, or -1.
func scanDamageReports(out io.Reader, outcomes map[int]string, alive func()) int {
	current, lines := -1, bufio.NewScanner(out)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	for lines.Scan() {
		alive()
		f := strings.SplitN(lines.Text(), " ", 4)
		if len(f) < 3 || f[0] != "damage" {
			continue
		}
		i, _ := strconv.Atoi(f[2])
		switch {
		case f[1] == "start":
			current = i
		case f[1] == "done" && len(f) == 4:
			outcomes[i], current = f[3], -1
		}
	}
	return current
}

// crashReport returns the start of what the runtime wrote about a crash.
func crashReport(stderr string) string {
	start := len(stderr)
	for _, mark := range []string{"panic:", "fatal error:", "unexpected fault", "SIGBUS", "SIGSEGV"} {
		if i := strings.Index(stderr, mark); i >= 0 {
			start = min(start, i)
		}
	}
	if start == len(stderr) {
		start = max(0, len(stderr)-2000)
	}
	return stderr[start:min(len(stderr), start+2000)]
}

// checkOutcomes checks the outcome of each case against what it expects,
// and logs how many cases ended how.
func checkOutcomes(t *testing.T, cases []damage, outcomes map[int]string) {
	counts := make(map[string]int)
	for i, d := range cases {
		o, ok := outcomes[i]
		if !assert.True(t, ok, "%s: no outcome", d.name) {
			continue
		}
		kind, _, _ := strings.Cut(o, " ")
		if kind == "refused" {
			kind += " " + strings.Fields(o)[1]
		}
		counts[kind]++
		switch {
		case kind == "crash" || kind == "bad-error":
			t.Errorf("%s: %s", d.name, o)
		case d.expect == refuse && d.cut == 0:
			assert.Equal(t, "refused notstore", kind, "%s: %s", d.name, o)
		case d.expect == refuse:
			assert.Equal(t, "refused corrupt", kind, "%s: %s", d.name, o)
		case d.expect == read:
			assert.Equal(t, "read", kind, "%s: %s", d.name, o)
		case d.expect == refuseOrRead:
			assert.NotEqual(t, "wrong", kind, "%s: %s", d.name, o)
		case kind == "wrong":
			t.Logf("%s: %s", d.name, o)
		}
	}
	t.Logf("%d cases: %v", len(cases), counts)
}
