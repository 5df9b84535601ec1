package pushws_test

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/browser"
	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push/pushws"
)

//go:embed testdata/page.html
var page []byte

// report is what the browser's page posts to /report.
type report struct {
	Open     bool             `json:"open"`
	Closed   int              `json:"closed"`
	Messages []map[string]any `json:"messages"`
}

// TestWebSocketInBrowser opens a stream as jane from a page in headless
// Chromium: the page gets jane's star and the public message after it,
// never john's star, published first.
func TestWebSocketInBrowser(t *testing.T) {
	browser.Find(t)
	e := pushtest.New(t)
	reports := make(chan report, 16)
	mux := http.NewServeMux()
	mux.Handle("/ws/", http.StripPrefix("/ws/", pushws.New(e.Server, nil)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		var rep report
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = json.Unmarshal(body, &rep)
		}
		if err != nil {
			t.Errorf("the page's report %q: %v", body, err)
			return
		}
		reports <- rep
	})
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)

	browser.Open(t, web.URL+"/?stream="+pushtest.StreamAll+"&user=jane")
	next := func(what string) report {
		t.Helper()
		select {
		case rep := <-reports:
			require.Zero(t, rep.Closed, "the page's socket closed")
			return rep
		case <-time.After(pushtest.Patience):
			t.Fatalf("the page did not report: %s", what)
			return report{}
		}
	}
	require.True(t, next("the socket opened").Open)
	e.WaitClients(1)

	e.Whisper("john", "john's star")
	e.Whisper("jane", "jane's star")
	e.Say("last")
	got := next("the messages").Messages
	require.Len(t, got, 2, "jane's page gets her star and the last message, not john's star")
	assert.Equal(t, "starred", got[0]["name"])
	assert.Equal(t, "jane's star", text(got[0]))
	assert.Equal(t, "last", text(got[1]))
}
