package push_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/herald-go/herald/push"
)

// FuzzRequest sends the server any Last-Event-ID and criteria: it answers
// 200 or 400, and never sends an anonymous client alice's own event.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][3]string{
		{"", "", ""}, {"0", "", ""}, {"abc", "", ""}, {"-1", "", ""}, {"18446744073709551616", "", ""},
		{"", "7", `{}`}, {"", "x", `{"labels":{"room":"a"}}`}, {"1", "", `{"correlationId":"xyz"}`},
		{"", "", `null`}, {"", "", `{} {}`}, {"", "", `{"owner":"alice"}`}, {"", "", `[]`},
		{"", "", `{"labels":{"room":1}}`}, {"0", "0", `{"correlationId":"00000000-0000-0000-0000-000000000000"}`},
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
		default:
			t.Fatalf("status %d: %s", rec.Code, body)
		}
		if strings.Contains(body, string(secret)) || strings.Contains(body, "id: "+pos(private)+"\n") {
			t.Fatal("alice's event went to an anonymous client")
		}
		if header == "0" && query == "" && criteria == "" && !strings.Contains(body, "id: "+pos(public)+"\n") {
			t.Fatalf("the replay lacks the public event: %q", body)
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
