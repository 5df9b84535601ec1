package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/pgstore"
)

// postgresDSN is the server of the Postgres tests: HERALD_POSTGRES_DSN,
// or the machine's own.
func postgresDSN() string {
	if d := os.Getenv("HERALD_POSTGRES_DSN"); d != "" {
		return d
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

var schemas atomic.Int64

// newPostgres returns a store in a fresh schema, dropped when t ends; it
// skips t when no server answers, or fails it under
// HERALD_REQUIRE_SERVICES=1.
func newPostgres(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	schema := fmt.Sprintf("herald_cmd_%d_%d", os.Getpid(), schemas.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, postgresDSN(), pgstore.WithSchema(schema))
	if err != nil {
		msg := fmt.Sprintf("no PostgreSQL at %s (%v); set HERALD_POSTGRES_DSN", postgresDSN(), err)
		if os.Getenv("HERALD_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		_, err := s.Pool().Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		assert.NoError(t, err)
		assert.NoError(t, s.Close())
	})
	return s, schema
}

func TestPostgresImportExportStatsAndConsumers(t *testing.T) {
	t.Parallel()
	store, schema := newPostgres(t)
	events := testEvents(5_000)
	from := newBoltFile(t, events)
	dump := filepath.Join(t.TempDir(), "events.ndjson")
	pg := []string{"--postgres", postgresDSN(), "--schema", schema}

	mustRun(t, "", "export", "--file", from, "--out", dump)
	mustRun(t, "", append([]string{"import", "--in", dump}, pg...)...)
	assert.Equal(t, summarize(t, readFile(t, from)), summarize(t, readAll(t, store)))

	r := mustRun(t, "", append([]string{"stats"}, pg...)...)
	assert.JSONEq(t, `{"events":5000,"head":5000,"counts":{"chat.message.liked":3750,"chat.message.sent":1250}}`, r.stdout)

	got := decodeLines(t, mustRun(t, "", append([]string{"log", "--newest", "--top", "2", "--name", "chat.message.sent"}, pg...)...).stdout)
	require.Len(t, got, 2)
	assert.Equal(t, events[4_996].ID, got[0].ID)

	exported := decodeLines(t, mustRun(t, "", append([]string{"export", "--after", "4990"}, pg...)...).stdout)
	assert.Equal(t, summarize(t, events[4_990:]), summarize(t, exported))

	require.NoError(t, store.SaveCheckpoint(context.Background(), "unread", 4_000))
	r = mustRun(t, "", append([]string{"consumers"}, pg...)...)
	assert.Equal(t, `{"name":"unread","checkpoint":4000,"lag":1000,"state":""}`+"\n", r.stdout)
}

func TestPostgresReadsNoSchemaThatIsNotThere(t *testing.T) {
	t.Parallel()
	store, schema := newPostgres(t)
	missing := schema + "_missing"
	r := heraldCmd(t, "", "stats", "--postgres", postgresDSN(), "--schema", missing)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `the database has no schema "`+missing+`"`)
	var found bool
	require.NoError(t, store.Pool().QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", missing).Scan(&found))
	assert.False(t, found)
}

func TestPostgresTail(t *testing.T) {
	t.Parallel()
	store, schema := newPostgres(t)
	appendAll(t, store, testEvents(5))
	tl := startTail(t, "--postgres", postgresDSN(), "--schema", schema, "--name", "chat.*.sent")
	later := []herald.Event{
		{Aggregate: chat(uuid.New()), Name: "liked", ID: uuid.New()},
		{Aggregate: chat(uuid.New()), Name: "sent", ID: uuid.New(), Data: message{Text: "later"}},
	}
	appendAll(t, store, later)
	got := tl.next(t)
	assert.Equal(t, later[1].ID, got.ID)
	assert.Equal(t, uint64(7), got.Metadata.Position)
	tl.interrupt(t)
}

func TestPostgresDeadLetters(t *testing.T) {
	t.Parallel()
	store, schema := newPostgres(t)
	events := testEvents(3)
	appendAll(t, store, events)
	for _, e := range events[:2] {
		require.NoError(t, store.SaveDeadLetter(context.Background(),
			herald.DeadLetter{Subscription: "mailer", Event: e, Attempts: 2, Err: errors.New("smtp down"), At: time.Now()}))
	}
	pg := []string{"--postgres", postgresDSN(), "--schema", schema}

	letters := decodeLetters(t, mustRun(t, "", append([]string{"dead-letters", "list", "mailer"}, pg...)...).stdout)
	require.Len(t, letters, 2)
	assert.Equal(t, events[0].ID, letters[0].Event.ID)
	mustRun(t, "", append([]string{"dead-letters", "discard", "mailer", events[0].ID.String()}, pg...)...)
	letters = decodeLetters(t, mustRun(t, "", append([]string{"dead-letters", "list", "mailer"}, pg...)...).stdout)
	require.Len(t, letters, 1)
	assert.Equal(t, events[1].ID, letters[0].Event.ID)
}
