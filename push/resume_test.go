package push_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// idsFrom returns the ids from first to last.
func idsFrom(first, last uint64) []string {
	var ids []string
	for p := first; p <= last; p++ {
		ids = append(ids, strconv.FormatUint(p, 10))
	}
	return ids
}

func TestResume(t *testing.T) {
	// Five events before the server starts, three after.
	e := newEnvAfter(t, func(e *env) {
		for i := range 5 {
			e.say(fmt.Sprint("before ", i))
		}
	}, []push.Stream{chat})
	for i := range 3 {
		e.say(fmt.Sprint("after ", i))
	}
	eventually(t, func() bool { return statusOf(t, e.srv).Position == 8 }, "the server saw every event")

	cases := []struct {
		name  string
		req   request
		first uint64
	}{
		{"Last-Event-ID from before the server", request{header: http.Header{"Last-Event-Id": {"3"}}}, 4},
		{"lastEventId query parameter", request{query: url.Values{"lastEventId": {"6"}}}, 7},
		{"the header wins over the query", request{header: http.Header{"Last-Event-Id": {"7"}}, query: url.Values{"lastEventId": {"2"}}}, 8},
		{"0 replays the whole log", request{header: http.Header{"Last-Event-Id": {"0"}}}, 1},
		{"at the head", request{header: http.Header{"Last-Event-Id": {"8"}}}, 9},
		{"past the head resumes at the head", request{header: http.Header{"Last-Event-Id": {"1000"}}}, 9},
	}
	streams := make([]*sse, len(cases))
	for i, tc := range cases {
		streams[i] = e.open("chat", tc.req)
	}
	live := e.say("live")
	require.Equal(t, uint64(9), live.Metadata.Position)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := idsFrom(tc.first, 9)
			assert.Equal(t, want, streams[i].on(t).ids(len(want)))
		})
	}
}

func TestResumeFromBeforeTheBuffer(t *testing.T) {
	e := newEnv(t, []push.Stream{chat}, push.WithBufferSize(4))
	for i := range 50 {
		e.say(fmt.Sprint(i))
	}
	eventually(t, func() bool { return statusOf(t, e.srv).Position == 50 }, "the server saw every event")
	c := e.open("chat", request{header: http.Header{"Last-Event-Id": {"10"}}})
	assert.Equal(t, idsFrom(11, 50), c.ids(40))
	live := e.say("live")
	assert.Equal(t, pos(live), c.event().ID)
	assert.Zero(t, statusOf(t, e.srv).CutOff)
}

// A client that reconnects again and again with the last id it got, while
// two publishers publish concurrently, gets every event exactly once and
// in order, whether it resumes from the store or from the buffer, or was
// cut off for being slow.
func TestResumeHasNoGapNorDuplicate(t *testing.T) {
	const publishers, each = 2, 600
	e := newEnv(t, []push.Stream{chat}, push.WithBufferSize(64))
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ev := withAuthorization(message("sent", Sent{Text: fmt.Sprint(p, ":", i)}), herald.Authorization{ForPublic: true})
				if _, err := e.pub.Publish(t.Context(), ev); err != nil {
					t.Errorf("publish: %v", err)
					return
				}
			}
		}()
	}

	const total = publishers * each
	var got []string
	last := "0"
	for round := 0; len(got) < total; round++ {
		require.Less(t, round, 10*total, "too many reconnections")
		c := e.open("chat", request{header: http.Header{"Last-Event-Id": {last}}})
		// Read a few events, more each round, then reconnect; a stream
		// that ends (cut off) is resumed as well.
		for n := 0; n < round%7+1 && len(got) < total; n++ {
			f, ok := <-c.frames
			if !ok {
				break
			}
			if f.Comment != "" {
				n--
				continue
			}
			got = append(got, f.ID)
			last = f.ID
		}
		c.close()
	}
	wg.Wait()
	assert.Equal(t, idsFrom(1, total), got)
}

func TestResumeKeepsAuthorization(t *testing.T) {
	e := newEnv(t, []push.Stream{chat}, push.WithAuthenticator(queryUser))
	private := e.publishAsIs("alice", message("sent", Sent{Text: "for alice only"}))
	public := e.say("for everyone")
	for _, who := range []string{"", "bob"} {
		c := e.open("chat", request{header: http.Header{"Last-Event-Id": {"0"}}, query: url.Values{"user": {who}}})
		assert.Equal(t, pos(public), c.event().ID, "user %q", who)
	}
	c := e.open("chat", request{header: http.Header{"Last-Event-Id": {"0"}}, query: url.Values{"user": {"alice"}}})
	assert.Equal(t, []string{pos(private), pos(public)}, c.ids(2))
}
