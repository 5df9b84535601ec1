package push_test

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/push"
)

// stalled opens a stream on a connection of its own, reads
// the response's header, and reads nothing more until the test asks.
func (e *env) stalled(id string) *sse {
	e.t.Helper()
	conn, err := net.Dial("tcp", e.web.Listener.Addr().String())
	require.NoError(e.t, err)
	req, err := http.NewRequest(http.MethodGet, e.url(id, nil), nil)
	require.NoError(e.t, err)
	require.NoError(e.t, req.Write(conn))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	require.NoError(e.t, err)
	require.Equal(e.t, http.StatusOK, resp.StatusCode)
	e.t.Cleanup(func() { conn.Close() })
	return &sse{t: e.t, stream: &stream{resp: resp, frames: make(chan frame, 1<<16), ended: make(chan struct{})}}
}

// resume starts reading a stalled stream, and returns the messages it got
// before the server cut it off, which must be in order from the first.
func (c *sse) resume() []frame {
	c.t.Helper()
	go c.read()
	got, err := c.end()
	assert.Error(c.t, err, "the stream was cut off, not ended")
	for i, f := range got {
		require.Equal(c.t, strconv.Itoa(i+1), f.ID)
	}
	return got
}

func TestSlowClientIsCutOff(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	cases := []struct {
		name string
		opts []push.Option
		fast bool // a client that keeps up runs alongside
	}{
		{"when its buffer is full", []push.Option{push.WithBufferSize(16)}, true},
		// The timeout is long enough that a client that reads, on a loaded
		// machine, is never cut off: the stalled one never reads at all.
		{"when a write times out", []push.Option{push.WithBufferSize(1 << 20), push.WithWriteTimeout(5 * time.Second)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, []push.Stream{chat}, tc.opts...)
			slow := e.stalled("chat")
			var fast *sse
			if tc.fast {
				fast = e.open("chat", request{})
			}
			// Publish until the slow client is cut off: its buffer fills,
			// or, with a write timeout, the connection's buffers do and a
			// write waits too long. The publisher is never held up by the
			// slow client.
			const limit = 2000
			var last string
			for i := 0; i < limit && statusOf(t, e.srv).CutOff == 0; i++ {
				last = pos(e.say(big))
				if fast != nil {
					require.Equal(t, last, fast.event().ID)
				}
			}
			eventually(t, func() bool { return statusOf(t, e.srv).CutOff == 1 }, "the slow client is cut off")
			open := 0
			if tc.fast {
				open = 1
			}
			eventually(t, func() bool { return statusOf(t, e.srv).Clients == open }, "the slow client's stream ended")
			assert.Equal(t, uint64(1), statusOf(t, e.srv).CutOff)

			// The slow client got a prefix of the events; it resumes with
			// the last one it got, and misses nothing.
			got := slow.resume()
			lastGot := "0"
			if len(got) > 0 {
				lastGot = got[len(got)-1].ID
			}
			again := e.open("chat", request{header: http.Header{"Last-Event-Id": {lastGot}}})
			n, err := strconv.Atoi(last)
			require.NoError(t, err)
			want := idsFrom(uint64(len(got)+1), uint64(n))
			assert.Equal(t, want, again.ids(len(want)))

			if fast != nil {
				next := e.say("still here")
				assert.Equal(t, pos(next), fast.event().ID, "the fast client goes on")
			}
		})
	}
}
