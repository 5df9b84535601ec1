package push_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herald-go/herald/push"
)

// FuzzRequest sends the server any Last-Event-ID and criteria: it answers
// 200 or 400 with a short one-line message, never sends an anonymous
// client alice's own event, and a replay from before the public event
// without criteria holds it.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][3]string{
		{"", "", ""}, {"0", "", ""}, {"", "0", ""}, {"0", "abc", ""}, {"abc", "", ""}, {"-1", "", ""},
		{"+1", "", ""}, {" 1", "", ""}, {"1e3", "", ""}, {"0x1", "", ""}, {"18446744073709551615", "", ""},
		{"18446744073709551616", "", ""}, {"a\nb", "", ""}, {"", "\x00", ""}, {"", strings.Repeat("9x", 400), ""},
		{"", "7", `{}`}, {"", "x", `{"labels":{"room":"a"}}`}, {"1", "", `{"correlationId":"xyz"}`},
		{"", "", `null`}, {"", "", `{} {}`}, {"", "", `{"owner":"alice"}`}, {"", "", `[]`}, {"", "", " \t\n"},
		{"", "", `{"labels":{"room":1}}`}, {"0", "0", `{"correlationId":"00000000-0000-0000-0000-000000000000"}`},
		{"0", "", `{"labels":{}}`}, {"", "", `{"labels":{"room":"a"},"labels":{"room":"b"}}`},
		{"", "", `{"` + strings.Repeat("x", 600) + `":1}`}, {"", "", "{\"labels\":{\"\xff\":\"\n\"}}"},
		{"", "", `{"correlationId":"` + strings.Repeat("0", 400) + `"}`},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	e := newEnv(f, []push.Stream{chat}, push.WithHeartbeat(time.Millisecond))
	private := e.publishAsIs("alice", message("sent", Sent{Text: "alice's"}))
	public := e.say("public")
	secret, err := private.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	// A request that does not resume starts at the newest event the server
	// has taken from the log, and one that resumes reads the ring: both
	// are exact once the server has taken every event.
	eventually(f, func() bool { return statusOf(f, e.srv).Position == public.Metadata.Position }, "the server took every event")

	f.Fuzz(func(t *testing.T, header, query, criteria string) {
		q := url.Values{"lastEventId": {query}, "criteria": {criteria}}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/streams/chat?"+q.Encode(), nil)
		if header != "" && !strings.ContainsAny(header, "\r\n") {
			req.Header.Set("Last-Event-ID", header)
		}
		rec := &endOnData{ResponseRecorder: httptest.NewRecorder(), end: cancel}
		e.srv.ServeHTTP(rec, req)
		body := rec.Body.String()
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			if !strings.HasPrefix(body, "push: ") {
				t.Fatalf("400 with %q", body)
			}
			if len(body) > 512 || strings.Index(body, "\n") != len(body)-1 {
				t.Fatalf("400 with more than a short line: %q", body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, body)
		}
		if strings.Contains(body, string(secret)) || strings.Contains(body, "id: "+pos(private)+"\n") {
			t.Fatal("alice's event went to an anonymous client")
		}
		resume := req.Header.Get("Last-Event-ID")
		if resume == "" {
			resume = query
		}
		after, err := strconv.ParseUint(resume, 10, 64)
		if err == nil && after < public.Metadata.Position && strings.TrimSpace(criteria) == "" &&
			!strings.Contains(body, "id: "+pos(public)+"\n") {
			t.Fatalf("the replay after %d lacks the public event: %d %q", after, rec.Code, body)
		}
	})
}

// endOnData is a ResponseRecorder that ends the request once something
// was flushed after the header: an event or a heartbeat.
type endOnData struct {
	*httptest.ResponseRecorder
	end func()
}

func (r *endOnData) Flush() {
	r.ResponseRecorder.Flush()
	if r.Body.Len() > 0 {
		r.end()
	}
}
