package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// fakeAPI serves the part of the httpapi contract the command uses, over
// a memstore, for the tests of --url.
type fakeAPI struct {
	store    *memstore.Store
	token    string
	mu       sync.Mutex
	replayed []string
	// cutStreams makes a followed stream end after its first event, as
	// a restart of the application would.
	cutStreams atomic.Bool
}

func newFakeAPI(t *testing.T, events []herald.Event) (*fakeAPI, string) {
	t.Helper()
	s, err := memstore.New()
	require.NoError(t, err)
	appendAll(t, s, events)
	f := &fakeAPI{store: s, token: "secret"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", f.query)
	mux.HandleFunc("POST /events", f.post)
	mux.HandleFunc("GET /events/stats", f.stats)
	mux.HandleFunc("GET /events/log", f.log)
	mux.HandleFunc("GET /consumers", f.consumers)
	mux.HandleFunc("GET /consumers/{name}/dead-letters", f.deadLetters)
	mux.HandleFunc("POST /consumers/{name}/dead-letters/{id}/replay", f.replay)
	mux.HandleFunc("DELETE /consumers/{name}/dead-letters/{id}", f.discard)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			problem(w, http.StatusUnauthorized, "missing or wrong token")
			return
		}
		http.StripPrefix("/api", mux).ServeHTTP(w, r) // mounted under a prefix, as an application may
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL + "/api"
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) query(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := herald.Query{Cursor: v.Get("cursor"), Names: v["name"], Newest: v.Get("order") == "desc"}
	q.Top, _ = strconv.Atoi(v.Get("top"))
	q.CorrelationID, _ = uuid.Parse(v.Get("correlationId"))
	for _, l := range v["label"] {
		k, val, _ := strings.Cut(l, ":")
		q.Labels = map[string]string{k: val}
	}
	q.Since, _ = time.Parse(time.RFC3339Nano, v.Get("timestampMin"))
	page, err := f.store.Query(r.Context(), q)
	if err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	reply(w, http.StatusOK, map[string]any{"results": page.Events, "page": map[string]any{"size": len(page.Events), "next": page.Cursor}})
}

func (f *fakeAPI) post(w http.ResponseWriter, r *http.Request) {
	var events []herald.Event
	if err := json.NewDecoder(r.Body).Decode(&events); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	err := f.store.Append(r.Context(), events)
	switch {
	case errors.Is(err, herald.ErrDuplicate), errors.Is(err, herald.ErrConflict):
		problem(w, http.StatusConflict, err.Error())
		return
	case err != nil:
		problem(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	reply(w, http.StatusCreated, events)
}

func (f *fakeAPI) stats(w http.ResponseWriter, r *http.Request) {
	st, _ := f.store.Stats(r.Context())
	reply(w, http.StatusOK, map[string]any{"events": st.Events, "head": st.Head, "counts": st.Counts})
}

// log streams the log as NDJSON; with follow=true it polls the store for
// new events until the client goes.
func (f *fakeAPI) log(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	names := r.URL.Query()["name"]
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for {
		for e, err := range f.store.ReadLog(r.Context(), after) {
			if err != nil {
				return
			}
			after = e.Metadata.Position
			if len(names) == 0 || names[0] == e.FullName() || names[0] == "chat.*.sent" && e.Name == "sent" {
				_ = enc.Encode(e)
				if f.cutStreams.Load() {
					return
				}
			}
		}
		w.(http.Flusher).Flush()
		if r.URL.Query().Get("follow") != "true" {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (f *fakeAPI) consumers(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, map[string]any{"results": []map[string]any{
		{"name": "unread", "checkpoint": 7, "lag": 3, "state": "live"},
		{"name": "mailer", "checkpoint": 10, "lag": 0, "state": "failed"},
	}})
}

func (f *fakeAPI) deadLetters(w http.ResponseWriter, r *http.Request) {
	var list []map[string]any
	for d, err := range f.store.DeadLetters(r.Context(), r.PathValue("name")) {
		if err != nil {
			problem(w, http.StatusInternalServerError, err.Error())
			return
		}
		list = append(list, map[string]any{"event": d.Event, "attempts": d.Attempts, "error": d.Err.Error(), "parked": d.Parked, "at": d.At})
	}
	reply(w, http.StatusOK, map[string]any{"results": list})
}

func (f *fakeAPI) replay(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.replayed = append(f.replayed, r.PathValue("name")+"/"+r.PathValue("id"))
	f.mu.Unlock()
	f.discard(w, r)
}

func (f *fakeAPI) discard(w http.ResponseWriter, r *http.Request) {
	id, _ := uuid.Parse(r.PathValue("id"))
	if err := f.store.DeleteDeadLetter(r.Context(), r.PathValue("name"), id); err != nil {
		problem(w, http.StatusNotFound, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestURLLogStatsAndTokens(t *testing.T) {
	t.Parallel()
	events := testEvents(10)
	_, url := newFakeAPI(t, events)

	r := heraldCmd(t, "", "stats", "--url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "HTTP 401: Unauthorized: missing or wrong token")

	r = mustRun(t, "", "stats", "--url", url, "--token", "secret")
	assert.JSONEq(t, `{"events":10,"head":10,"counts":{"chat.message.liked":7,"chat.message.sent":3}}`, r.stdout)

	r = mustRun(t, "", "log", "--url", url, "--token", "secret", "--top", "3", "--label", "room:room-1")
	got := decodeLines(t, r.stdout)
	require.Len(t, got, 2) // events 3 and 9
	assert.Equal(t, events[9].ID, got[1].ID)

	r = mustRun(t, "", "log", "--url", url, "--token", "secret", "--top", "4", "--newest")
	got = decodeLines(t, r.stdout)
	require.Len(t, got, 4)
	assert.Equal(t, events[9].ID, got[0].ID)
	cursor := strings.TrimSpace(strings.TrimPrefix(r.stderr, "next page: --cursor"))
	got = decodeLines(t, mustRun(t, "", "log", "--url", url, "--token", "secret", "--top", "4", "--newest", "--cursor", cursor).stdout)
	assert.Equal(t, events[5].ID, got[0].ID)
}

func TestURLExportImportAndTail(t *testing.T) {
	events := testEvents(1200)
	_, from := newFakeAPI(t, events)
	target, to := newFakeAPI(t, nil)
	t.Setenv("HERALD_TOKEN", "secret") // heraldCmd clears it, startTail keeps it

	dump := mustRun(t, "", "export", "--url", from, "--token", "secret").stdout
	mustRun(t, dump, "import", "--url", to, "--token", "secret")
	assert.Equal(t, summarize(t, events), summarize(t, readAll(t, target.store)))

	tl := startTail(t, "--url", to, "--name", "chat.*.sent")
	later := []herald.Event{
		{Aggregate: chat(uuid.New()), Name: "liked", ID: uuid.New()},
		{Aggregate: chat(uuid.New()), Name: "sent", ID: uuid.New(), Data: message{Text: "later"}},
	}
	require.NoError(t, target.store.Append(context.Background(), later))
	got := tl.next(t)
	assert.Equal(t, later[1].ID, got.ID)
	assert.Equal(t, uint64(1202), got.Metadata.Position)
	tl.interrupt(t)
}

func TestURLConsumersAndDeadLetters(t *testing.T) {
	t.Parallel()
	events := testEvents(4)
	api, url := newFakeAPI(t, events)
	for _, e := range events[:2] {
		require.NoError(t, api.store.SaveDeadLetter(context.Background(),
			herald.DeadLetter{Subscription: "mailer", Event: e, Attempts: 3, Err: fmt.Errorf("smtp down"), At: time.Now()}))
	}
	r := mustRun(t, "", "consumers", "--url", url, "--token", "secret")
	assert.Equal(t, `{"name":"unread","checkpoint":7,"lag":3,"state":"live"}`+"\n"+
		`{"name":"mailer","checkpoint":10,"lag":0,"state":"failed"}`+"\n", r.stdout)

	r = mustRun(t, "", "consumers", "--url", url, "--token", "secret", "mailer")
	assert.Equal(t, `{"name":"mailer","checkpoint":10,"lag":0,"state":"failed"}`+"\n", r.stdout)
	r = heraldCmd(t, "", "consumers", "--url", url, "--token", "secret", "search")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `the application has no consumer named "search"`)

	letters := decodeLetters(t, mustRun(t, "", "dead-letters", "list", "mailer", "--url", url, "--token", "secret").stdout)
	require.Len(t, letters, 2)
	assert.Equal(t, "smtp down", letters[0].Error)

	mustRun(t, "", "dead-letters", "replay", "mailer", events[0].ID.String(), "--url", url, "--token", "secret")
	mustRun(t, "", "dead-letters", "discard", "--url", url, "--token", "secret", "mailer", events[1].ID.String())
	assert.Equal(t, []string{"mailer/" + events[0].ID.String()}, api.replayed)
	assert.Empty(t, decodeLetters(t, mustRun(t, "", "dead-letters", "list", "mailer", "--url", url, "--token", "secret").stdout))

	r = heraldCmd(t, "", "dead-letters", "discard", "mailer", events[1].ID.String(), "--url", url, "--token", "secret")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "HTTP 404")
}

// letter is a dead letter as the command prints it.
type letter struct {
	Event    herald.Event `json:"event"`
	Attempts int          `json:"attempts"`
	Error    string       `json:"error"`
}

func decodeLetters(t *testing.T, ndjson string) []letter {
	t.Helper()
	var all []letter
	for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
		if line == "" {
			continue
		}
		var l letter
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		all = append(all, l)
	}
	return all
}

func TestURLImportReportsTheBatchTheApplicationRefuses(t *testing.T) {
	t.Parallel()
	events := testEvents(30)
	dump := mustRun(t, "", "export", "--file", newBoltFile(t, slices.Clone(events))).stdout
	target, to := newFakeAPI(t, events[13:14]) // at revision 1, where events[12] (line 13) belongs

	r := heraldCmd(t, dump, "import", "--url", to, "--token", "secret", "--batch", "10")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "the batch of lines 11 to 20: the application refused it as a conflict, ")
	assert.Contains(t, r.stderr, "appended event by event; its first 2 events are stored: POST /api/events: HTTP 409: Conflict: ")
	assert.Contains(t, r.stderr, "the 10 events before it are stored")
	assert.Len(t, readAll(t, target.store), 13)
}

func TestURLImportLeavesOutEventsStoredAlready(t *testing.T) {
	t.Parallel()
	events := testEvents(40)
	dump := mustRun(t, "", "export", "--file", newBoltFile(t, events)).stdout
	lines := strings.SplitAfter(dump, "\n")
	target, to := newFakeAPI(t, nil)

	mustRun(t, strings.Join(lines[:25], ""), "import", "--url", to, "--token", "secret", "--batch", "10")
	mustRun(t, dump, "import", "--url", to, "--token", "secret", "--batch", "10")
	assert.Equal(t, summarize(t, events), summarize(t, readAll(t, target.store)))
}

func TestURLTailConnectsAgainWhenTheStreamEnds(t *testing.T) {
	events := testEvents(4)
	api, url := newFakeAPI(t, events)
	api.cutStreams.Store(true)
	t.Setenv("HERALD_TOKEN", "secret")
	tl := startTail(t, "--url", url, "--after", "0")
	for _, e := range events {
		assert.Equal(t, e.ID, tl.next(t).ID)
	}
	later := herald.Event{Aggregate: chat(uuid.New()), Name: "sent", ID: uuid.New()}
	require.NoError(t, api.store.Append(context.Background(), []herald.Event{later}))
	assert.Equal(t, later.ID, tl.next(t).ID)
	tl.interrupt(t)
}
