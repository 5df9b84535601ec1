package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/httpapi"
)

func TestURLLogStatsAndTokens(t *testing.T) {
	t.Parallel()
	events := testEvents(10)
	url := newAPI(t, events, nil).url

	r := heraldCmd(t, "", "stats", "--url", url, "--token", "wrong")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "HTTP 401: Unauthorized: the credentials were refused; the application refused the token: give the right one with --token or HERALD_TOKEN")
	r = heraldCmd(t, "", "stats", "--url", url)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `HTTP 401: Unauthorized: sign in with the role "event-reader"`)
	r = heraldCmd(t, "", "stats", "--url", url, "--token", tokenSender)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "HTTP 403: Forbidden: ")

	r = mustRun(t, "", "stats", "--url", url, "--token", tokenReader)
	assert.JSONEq(t, `{"events":10,"head":10,"counts":{"chat.message.liked":7,"chat.message.sent":3}}`, r.stdout)

	r = mustRun(t, "", "log", "--url", url, "--token", tokenReader, "--top", "3", "--label", "room:room-1")
	got := decodeLines(t, r.stdout)
	require.Len(t, got, 2) // events 3 and 9, oldest first
	assert.Equal(t, events[3].ID, got[0].ID)
	assert.Equal(t, events[9].ID, got[1].ID)

	r = mustRun(t, "", "log", "--url", url, "--token", tokenReader, "--top", "4", "--newest")
	got = decodeLines(t, r.stdout)
	require.Len(t, got, 4)
	assert.Equal(t, events[9].ID, got[0].ID)
	cursor := strings.TrimSpace(strings.TrimPrefix(r.stderr, "next page: --cursor"))
	got = decodeLines(t, mustRun(t, "", "log", "--url", url, "--token", tokenReader, "--top", "4", "--newest", "--cursor", cursor).stdout)
	require.NotEmpty(t, got)
	assert.Equal(t, events[5].ID, got[0].ID)

	r = heraldCmd(t, "", "log", "--url", url, "--token", tokenReader, "--top", "4", "--cursor", cursor)
	assert.Equal(t, 1, r.code, "a cursor of another query")
	assert.Contains(t, r.stderr, "HTTP 400: ")
}

func TestURLExportImportAndTail(t *testing.T) {
	events := testEvents(1200)
	from := newAPI(t, events, nil)
	target := newAPI(t, nil, nil)

	dump := mustRun(t, "", "export", "--url", from.url, "--token", tokenReader).stdout
	mustRun(t, dump, "import", "--url", target.url, "--token", tokenSender)
	assert.Equal(t, summarize(t, events), summarize(t, readAll(t, target.store)))
	again := mustRun(t, "", "export", "--url", target.url, "--token", tokenReader).stdout
	assert.Equal(t, summarize(t, decodeLines(t, dump)), summarize(t, decodeLines(t, again)))

	t.Setenv("HERALD_TOKEN", tokenReader) // heraldCmd clears it, startTail keeps it
	tl := startTail(t, "--url", target.url, "--name", "chat.*.sent")
	ctx := context.Background()
	_, err := target.publisher.Publish(ctx, herald.Event{Aggregate: chat(uuid.New()), Name: "liked", Data: message{Text: "liked"}})
	require.NoError(t, err)
	sent, err := target.publisher.Publish(ctx, herald.Event{Aggregate: chat(uuid.New()), Name: "sent", Data: message{Text: "later"}})
	require.NoError(t, err)
	got := tl.next(t)
	assert.Equal(t, sent.ID, got.ID)
	assert.Equal(t, uint64(1202), got.Metadata.Position)
	assert.JSONEq(t, `{"text":"later","n":0}`, string(got.Data.(json.RawMessage)))
	tl.interrupt(t)
}

// failingConsumer runs a durable subscription named mailer over a's log,
// whose handler fails on the events named "poison" while poisoned is
// true.
func failingConsumer(t *testing.T, a *api, poisoned *atomic.Bool) *durable.Subscription {
	t.Helper()
	d, err := durable.New(durable.Config{
		Store: a.store, Bus: a.bus, Retry: herald.RetryPolicy{MaxAttempts: 1},
		Subscription: herald.Subscription{Name: "mailer", Handler: herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
			if e.Name == "poison" && poisoned.Load() {
				return errors.New("smtp down")
			}
			return nil
		})},
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

func TestURLConsumersAndDeadLetters(t *testing.T) {
	t.Parallel()
	var poisoned atomic.Bool
	poisoned.Store(true)
	var d *durable.Subscription
	a := newAPI(t, nil, func(a *api) []httpapi.Option {
		d = failingConsumer(t, a, &poisoned)
		return []httpapi.Option{httpapi.WithConsumers(d)}
	})
	ctx := context.Background()
	var stored []herald.Event
	for _, name := range []string{"poison", "fine", "poison", "fine"} {
		e, err := a.publisher.Publish(ctx, herald.Event{Aggregate: chat(uuid.New()), Name: name, Data: message{Text: name}})
		require.NoError(t, err)
		stored = append(stored, e)
	}
	require.NoError(t, d.Wait(ctx, stored[3].Metadata.Position))

	r := mustRun(t, "", "consumers", "--url", a.url, "--token", tokenReader)
	assert.Equal(t, `{"name":"mailer","checkpoint":4,"lag":0,"state":"live"}`+"\n", r.stdout)
	r = mustRun(t, "", "consumers", "--url", a.url, "--token", tokenReader, "mailer")
	assert.Equal(t, `{"name":"mailer","checkpoint":4,"lag":0,"state":"live"}`+"\n", r.stdout)
	r = heraldCmd(t, "", "consumers", "--url", a.url, "--token", tokenReader, "search")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `the application has no consumer named "search"`)

	list := func() []letter {
		t.Helper()
		return decodeLetters(t, mustRun(t, "", "dead-letters", "list", "mailer", "--url", a.url, "--token", tokenReader).stdout)
	}
	letters := list()
	require.Len(t, letters, 2)
	assert.Equal(t, stored[0].ID, letters[0].Event.ID)
	assert.Equal(t, stored[2].ID, letters[1].Event.ID)
	assert.Contains(t, letters[0].Error, "smtp down")
	assert.Equal(t, 1, letters[0].Attempts)

	first, second := stored[0].ID.String(), stored[2].ID.String()
	r = heraldCmd(t, "", "dead-letters", "replay", "mailer", first, "--url", a.url, "--token", tokenReader)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "HTTP 403: Forbidden: ")
	r = heraldCmd(t, "", "dead-letters", "replay", "mailer", first, "--url", a.url, "--token", tokenOperator)
	assert.Equal(t, 1, r.code, "the handler fails again")
	assert.Contains(t, r.stderr, "HTTP 502: Bad Gateway: ")
	assert.Contains(t, r.stderr, "smtp down")
	assert.Equal(t, 2, list()[0].Attempts)

	poisoned.Store(false)
	r = mustRun(t, "", "dead-letters", "replay", "mailer", first, "--url", a.url, "--token", tokenOperator)
	assert.Equal(t, "replayed "+first+"\n", r.stdout)
	r = mustRun(t, "", "dead-letters", "discard", "--url", a.url, "--token", tokenOperator, "mailer", second)
	assert.Equal(t, "discarded "+second+"\n", r.stdout)
	assert.Empty(t, list())

	r = heraldCmd(t, "", "dead-letters", "discard", "mailer", second, "--url", a.url, "--token", tokenOperator)
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
	target := newAPI(t, events[13:14], nil) // at revision 1, where events[12] (line 13) belongs

	r := heraldCmd(t, dump, "import", "--url", target.url, "--token", tokenSender, "--batch", "10")
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
	target := newAPI(t, nil, nil)

	mustRun(t, strings.Join(lines[:25], ""), "import", "--url", target.url, "--token", tokenSender, "--batch", "10")
	mustRun(t, dump, "import", "--url", target.url, "--token", tokenSender, "--batch", "10")
	assert.Equal(t, summarize(t, events), summarize(t, readAll(t, target.store)))
}

func TestURLTailConnectsAgainWhenTheStreamEnds(t *testing.T) {
	events := testEvents(4)
	a := newAPI(t, events, nil)
	a.cutStreams.Store(true)
	t.Setenv("HERALD_TOKEN", tokenReader)
	tl := startTail(t, "--url", a.url, "--after", "0")
	for _, e := range events {
		assert.Equal(t, e.ID, tl.next(t).ID)
	}
	later, err := a.publisher.Publish(context.Background(), herald.Event{Aggregate: chat(uuid.New()), Name: "sent", Data: message{Text: "later"}})
	require.NoError(t, err)
	assert.Equal(t, later.ID, tl.next(t).ID)
	tl.interrupt(t)
}

func TestURLTailWithoutTheReaderRoleShowsWhatTheCallerMaySee(t *testing.T) {
	a := newAPI(t, testEvents(8), nil)
	ctx := context.Background()
	public := herald.Event{Aggregate: chat(uuid.New()), Name: "sent", Data: message{Text: "public"}}
	public.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	early, err := a.publisher.Publish(ctx, public)
	require.NoError(t, err)

	t.Setenv("HERALD_TOKEN", "") // anonymous: no stats, so tail begins after the newest event it may see
	tl := startTail(t, "--url", a.url)
	_, err = a.publisher.Publish(ctx, herald.Event{Aggregate: chat(uuid.New()), Name: "sent", Data: message{Text: "private"}})
	require.NoError(t, err)
	later, err := a.publisher.Publish(ctx, public)
	require.NoError(t, err)
	got := tl.next(t)
	assert.Equal(t, later.ID, got.ID, "not %s, which came before tail began", early.ID)
	tl.interrupt(t)
}
