package natsbus_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test of several processes: three children (this test binary, run
// again) subscribe under one name; the parent publishes; one child is
// killed with SIGKILL mid-stream; every event must be handled, the events
// of each aggregate one at a time in revision order, whichever process
// handles them.

const (
	sharedStreamEnv = "NATSBUS_SHARED_STREAM"
	sharedWorkers   = 4
	sharedAckWait   = 2 * time.Second
)

func sharedOptions(stream string) []natsbus.Option {
	return []natsbus.Option{natsbus.WithStream(stream), natsbus.WithSubjectPrefix("t" + stream),
		natsbus.WithWorkers(sharedWorkers), natsbus.WithAckWait(sharedAckWait)}
}

func TestSharedChild(t *testing.T) {
	stream := os.Getenv(sharedStreamEnv)
	if stream == "" {
		t.Skip("run by TestSharedAcrossProcesses")
	}
	time.AfterFunc(5*time.Minute, func() { os.Exit(3) }) // a forgotten child ends
	js := connect(t)
	b, err := natsbus.New(context.Background(), js, sharedOptions(stream)...)
	require.NoError(t, err)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	require.NoError(t, b.Subscribe(herald.Subscription{Name: "shared", Handler: herald.HandlerFunc(
		func(_ context.Context, e herald.Event) error {
			start := time.Now().UnixNano()
			end := time.Now().UnixNano()
			mu.Lock()
			defer mu.Unlock()
			// Written before the handler returns, so before the ack.
			fmt.Fprintf(out, "H %s %d %s %d %d\n", e.Aggregate.ID, e.Metadata.Revision, e.ID, start, end)
			return out.Flush()
		})}))
	fmt.Println("READY")
	select {} // until killed
}

// handling is one line a child printed.
type handling struct {
	child      int
	revision   uint64
	id         uuid.UUID
	start, end int64
}

func TestSharedAcrossProcesses(t *testing.T) {
	const children, aggregates, perAggregate = 3, 1000, 100
	total := aggregates * perAggregate
	opts := fresh(t)
	stream := streamOf(opts)
	pub, err := natsbus.New(context.Background(), connect(t), sharedOptions(stream)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pub.Close(context.Background()) })

	var mu sync.Mutex
	byAggregate := make(map[uuid.UUID][]handling)
	seen := make(map[uuid.UUID]bool)
	counts := make([]int, children)
	allSeen := make(chan struct{})
	killTime := make(chan struct{}) // the first child has handled a quarter of its share
	ready := make(chan int, children)
	procs := make([]*exec.Cmd, children)
	var readers sync.WaitGroup
	for c := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSharedChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), sharedStreamEnv+"="+stream, childURLEnv+"="+serverURL)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		procs[c] = cmd
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		readers.Add(1)
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) == 1 && f[0] == "READY" {
					ready <- c
					continue
				}
				if len(f) != 6 || f[0] != "H" {
					continue
				}
				agg, _ := uuid.Parse(f[1])
				rev, _ := strconv.ParseUint(f[2], 10, 64)
				id, _ := uuid.Parse(f[3])
				start, _ := strconv.ParseInt(f[4], 10, 64)
				end, _ := strconv.ParseInt(f[5], 10, 64)
				mu.Lock()
				byAggregate[agg] = append(byAggregate[agg], handling{c, rev, id, start, end})
				counts[c]++
				if c == 0 && counts[0] == total/(children*4) {
					close(killTime)
				}
				if !seen[id] {
					seen[id] = true
					if len(seen) == total {
						close(allSeen)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for range children {
		receive(t, ready, "a child subscribed")
	}

	refs := make([]herald.AggregateRef, aggregates)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}
	}
	for rev := 1; rev <= perAggregate; rev++ {
		for a := 0; a < aggregates; a += 100 {
			batch := make([]herald.Event, 0, 100)
			for _, ref := range refs[a : a+100] {
				e := newEvent()
				e.Aggregate, e.Metadata.Revision = ref, uint64(rev)
				batch = append(batch, e)
			}
			require.NoError(t, pub.Publish(context.Background(), batch))
		}
	}
	receive(t, killTime, "the first child handles a quarter of its share")
	require.NoError(t, procs[0].Process.Kill())
	mu.Lock()
	require.Less(t, len(seen), total, "the first child was killed mid-stream")
	mu.Unlock()
	select {
	case <-allSeen:
	case <-time.After(5 * time.Minute):
		mu.Lock()
		t.Fatalf("%d of %d events handled", len(seen), total)
	}

	mu.Lock()
	defer mu.Unlock()
	t.Logf("handled by each child: %v", counts)
	assert.Positive(t, counts[1], "the second child carried on")
	assert.Positive(t, counts[2], "the third child carried on")
	problems := 0
	for agg, hs := range byAggregate {
		// In the order they started: revisions rise, each after the
		// previous ended; a repeat is only the killed child's last.
		sortByStart(hs)
		for i := 1; i < len(hs); i++ {
			prev, cur := hs[i-1], hs[i]
			switch {
			case cur.revision == prev.revision && prev.child == 0:
			case cur.revision != prev.revision+1 || cur.start < prev.end:
				if problems++; problems <= 10 {
					t.Errorf("aggregate %s: revision %d (child %d) after %d (child %d)", agg, cur.revision, cur.child, prev.revision, prev.child)
				}
			}
		}
	}
}

func sortByStart(hs []handling) {
	for i := 1; i < len(hs); i++ {
		for j := i; j > 0 && hs[j].start < hs[j-1].start; j-- {
			hs[j], hs[j-1] = hs[j-1], hs[j]
		}
	}
}
