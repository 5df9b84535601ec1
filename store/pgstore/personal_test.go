package pgstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/herald-go/herald/store/storetest"
)

// Registered and Renamed are the data of the account events; their Email
// and Name are personal.
type Registered struct {
	Email string `json:"email" herald:"personal"`
	Name  string `json:"name" herald:"personal"`
	Plan  string `json:"plan"`
}

type Renamed struct {
	Name string `json:"name" herald:"personal"`
}

// Account is the aggregate the account events belong to.
type Account struct {
	herald.AggregateBase
	Email, Name, Plan string
}

func newAccount() *Account {
	a := &Account{}
	herald.Apply(a, "registered", func(r Registered) { a.Email, a.Name, a.Plan = r.Email, r.Name, r.Plan })
	herald.Apply(a, "renamed", func(r Renamed) { a.Name = r.Name })
	return a
}

func accountsRegistry(t testing.TB) *herald.Registry {
	t.Helper()
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[Registered](reg, "accounts", "account", "registered")
	require.NoError(t, err)
	_, err = herald.Define[Renamed](reg, "accounts", "account", "renamed")
	require.NoError(t, err)
	return reg
}

// accounts is a store with a publisher and a repository of accounts that
// snapshots after every command.
type accounts struct {
	store     *pgstore.Store
	schema    string
	publisher *herald.Publisher
	repo      *herald.Repository[*Account]
}

func newAccounts(t *testing.T) accounts {
	t.Helper()
	schema := newSchema(t)
	store := openIn(t, schema)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(accountsRegistry(t)))
	require.NoError(t, err)
	repo, err := herald.NewRepository(p, "accounts", "account", newAccount, herald.WithSnapshotEvery(1))
	require.NoError(t, err)
	return accounts{store: store, schema: schema, publisher: p, repo: repo}
}

// register registers the account id of user in ctx and renames it.
func (a accounts) register(t *testing.T, ctx context.Context, user string, id uuid.UUID, r Registered, newName string) {
	t.Helper()
	ctx = herald.ContextWithUser(ctx, herald.User{ID: user})
	_, err := a.repo.Use(ctx, id, func(acc *Account) error {
		if err := acc.Publish("registered", r); err != nil {
			return err
		}
		return acc.Publish("renamed", Renamed{Name: newName})
	})
	require.NoError(t, err)
}

// table returns the name of a table of the store's schema, quoted.
func (a accounts) table(name string) string { return pgx.Identifier{a.schema, name}.Sanitize() }

// column returns every value of column in table, as the server keeps it.
func (a accounts) column(t *testing.T, column, table string) [][]byte {
	t.Helper()
	rows, err := a.store.Pool().Query(t.Context(), "SELECT "+column+" FROM "+a.table(table))
	require.NoError(t, err)
	var out [][]byte
	var b []byte
	_, err = pgx.ForEachRow(rows, []any{&b}, func() error { out = append(out, bytes.Clone(b)); return nil })
	require.NoError(t, err)
	return out
}

// assertNotIn checks that none of values holds any of secrets.
func assertNotIn(t *testing.T, what string, values [][]byte, secrets ...string) {
	t.Helper()
	for _, v := range values {
		for _, s := range secrets {
			assert.NotContains(t, string(v), s, what)
		}
	}
}

// TestForgetUserEveryRead publishes personal data of two users, forgets
// one, and reads everything back: an aggregate load, a replay of the log,
// a query and a projection rebuilt from scratch. The repository takes
// snapshots, which hold the values in the clear: forgetting drops the
// forgotten user's. The personal values are never in the events' or the
// dead letters' rows. A batch large enough to be written by COPY, and an
// append in the application's transaction, are sealed alike.
func TestForgetUserEveryRead(t *testing.T) {
	a := newAccounts(t)
	jane, john := uuid.New(), uuid.New()
	secrets := []string{"jane.secret@example.com", "Janet Secretname", "Janet Renamed"}
	a.register(t, t.Context(), "jane", jane, Registered{Email: secrets[0], Name: secrets[1], Plan: "pro"}, secrets[2])
	a.register(t, t.Context(), "john", john, Registered{Email: "john@example.com", Name: "John", Plan: "free"}, "John D.")

	// The same in the application's transaction, and in a batch of more
	// events than the one-statement append takes.
	tx, err := a.store.Begin(t.Context())
	require.NoError(t, err)
	janeToo := uuid.New()
	a.register(t, pgstore.ContextWithTx(t.Context(), tx), "jane", janeToo, Registered{Email: secrets[0], Plan: "team"}, secrets[2])
	require.NoError(t, tx.Commit(t.Context()))
	batch := make([]herald.Event, 100)
	for i := range batch {
		batch[i] = herald.Event{Aggregate: herald.AggregateRef{Context: "accounts", Name: "account", ID: uuid.New()},
			Name: "registered", Data: Registered{Email: fmt.Sprintf("jane.batch%d@example.com", i), Plan: "batch"}}
	}
	_, err = a.publisher.PublishBatch(herald.ContextWithUser(t.Context(), herald.User{ID: "jane"}), batch)
	require.NoError(t, err)

	// A batch of sealed and plain events, in one statement.
	mixed := make([]herald.Event, 3)
	for i := range mixed {
		mixed[i] = herald.Event{Aggregate: herald.AggregateRef{Context: "accounts", Name: "account", ID: uuid.New()},
			Name: "registered", Data: Registered{Plan: "mixed"}}
	}
	mixed[1].Data = Registered{Email: "john.mixed@example.com", Plan: "mixed"}
	mixed, err = a.publisher.PublishBatch(herald.ContextWithUser(t.Context(), herald.User{ID: "john"}), mixed)
	require.NoError(t, err)

	names := map[string]string{}
	proj, err := projection.New(projection.Config[map[string]string]{
		Name: "names", Store: a.store, Model: projection.Memory(names),
		Handlers: []projection.Handler[map[string]string]{
			projection.On("accounts.account.renamed", func(_ context.Context, m map[string]string, e herald.Event, d Renamed) error {
				m[e.User.ID] = d.Name
				return nil
			}),
		},
		Reset: func(_ context.Context, m map[string]string) error { clear(m); return nil },
	})
	require.NoError(t, err)
	require.NoError(t, proj.Rebuild(t.Context()))
	assert.Equal(t, map[string]string{"jane": secrets[2], "john": "John D."}, names)

	before := storetest.ReadAll(t, a.store.ReadLog(t.Context(), 0))
	require.Len(t, before, 6+len(batch)+len(mixed))
	require.NoError(t, a.store.SaveDeadLetter(t.Context(), herald.DeadLetter{Subscription: "mailer", Event: before[0], Attempts: 1}))
	assertNotIn(t, "events.data", a.column(t, "data", "events"), append(secrets, "jane.batch")...)
	assertNotIn(t, "dead_letters.data", a.column(t, "data", "dead_letters"), secrets...)
	assertNotIn(t, "events.data", a.column(t, "data", "events"), "john@example.com", "john.mixed")
	sealed := a.column(t, "array_to_string(sealed, ',')::bytea", "events")
	assert.Contains(t, sealed, []byte("email,name"), "the names of the sealed fields")
	assert.Equal(t, 2, len(a.column(t, "key", "user_keys")), "a key per user")
	snapshots := len(a.column(t, "state", "snapshots"))
	require.Equal(t, 3, snapshots)

	deleted, err := a.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	assert.Equal(t, herald.UserDeleted, deleted.FullName())
	assert.Equal(t, 1, len(a.column(t, "key", "user_keys")), "john's key")
	var plain []uuid.UUID
	require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT array_agg(id) FROM "+a.table("events")+" WHERE sealed IS NULL").Scan(&plain))
	assert.ElementsMatch(t, []uuid.UUID{mixed[0].ID, mixed[2].ID, deleted.ID}, plain, "the events without personal data")
	assert.Equal(t, 1, len(a.column(t, "state", "snapshots")), "the snapshot of john's account")

	for id, want := range map[uuid.UUID][]string{jane: {"", "", "pro"}, janeToo: {"", "", "team"}, john: {"john@example.com", "John D.", "free"}} {
		acc, err := a.repo.Load(t.Context(), id)
		require.NoError(t, err)
		assert.Equal(t, want, []string{acc.Email, acc.Name, acc.Plan}, "account %s", id)
	}

	after := storetest.ReadAll(t, a.store.ReadLog(t.Context(), 0))
	require.Len(t, after, len(before)+1)
	for i, e := range before {
		got := after[i]
		storetest.AssertEventEqual(t, withoutData(e), withoutData(got))
		assert.Equal(t, e.User.ID == "jane", got.Metadata.Redacted, "event %d", i)
		if e.User.ID == "jane" && e.Name == "registered" {
			r, err := herald.DataAs[Registered](&got)
			require.NoError(t, err)
			assert.Equal(t, Registered{Plan: r.Plan}, r, "event %d", i)
		}
	}
	assert.Equal(t, herald.UserDeleted, after[len(before)].FullName())
	for i, e := range mixed {
		got := after[e.Metadata.Position-1]
		r, err := herald.DataAs[Registered](&got)
		require.NoError(t, err)
		assert.Equal(t, e.Data, r, "event %d of the mixed batch", i)
	}

	page, err := a.store.Query(t.Context(), herald.Query{Names: []string{"accounts.account.registered"}, Top: herald.MaxTop})
	require.NoError(t, err)
	require.Len(t, page.Events, 3+len(batch)+len(mixed))
	r, err := herald.DataAs[Registered](&page.Events[0])
	require.NoError(t, err)
	assert.Equal(t, Registered{Plan: "pro"}, r)
	assert.True(t, page.Events[0].Metadata.Redacted)

	require.NoError(t, proj.Rebuild(t.Context()))
	assert.Equal(t, map[string]string{"jane": "", "john": "John D."}, names)

	for d, err := range a.store.DeadLetters(t.Context(), "mailer") {
		require.NoError(t, err)
		assert.True(t, d.Event.Metadata.Redacted, "a dead letter is forgotten with its event")
		assert.NotContains(t, fmt.Sprint(d.Event.Data), secrets[0])
	}
	assertNotIn(t, "events.data", a.column(t, "data", "events"), append(secrets, "jane.batch")...)
}

// withoutData returns e without its data and redaction, which
// forgetting changes.
func withoutData(e herald.Event) herald.Event {
	e.Data, e.Metadata.Redacted = nil, false
	return e
}

// TestForgottenKeyGoneAfterPurge looks for a forgotten user's key in the
// pages of the user_keys table, through pageinspect: the deleted row
// stays in its page until the table is rewritten, and PurgeForgotten
// rewrites it.
func TestForgottenKeyGoneAfterPurge(t *testing.T) {
	a := newAccounts(t)
	a.register(t, t.Context(), "jane", uuid.New(), Registered{Email: "jane@example.com", Plan: "pro"}, "Jane")
	a.register(t, t.Context(), "john", uuid.New(), Registered{Email: "john@example.com", Plan: "pro"}, "John")
	var key []byte
	require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT key FROM "+a.table("user_keys")+" WHERE user_id = 'jane'").Scan(&key))
	require.Len(t, key, 40)
	// The extension is the database's, in the schema of the first test
	// that makes it; it goes with that schema.
	if _, err := a.store.Pool().Exec(t.Context(), "CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA "+pgx.Identifier{a.schema}.Sanitize()); err != nil {
		t.Skipf("pageinspect, which reads the table's pages, is not available here: %v", err)
	}
	var in string
	require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "+
		"WHERE e.extname = 'pageinspect'").Scan(&in))
	pages := func() []byte {
		t.Helper()
		var b []byte
		err := a.store.Pool().QueryRow(t.Context(), "SELECT "+pgx.Identifier{in, "get_raw_page"}.Sanitize()+"($1, 0)",
			a.schema+".user_keys").Scan(&b)
		require.NoError(t, err)
		return b
	}
	require.True(t, bytes.Contains(pages(), key), "the key is in the table's page, where the search finds it")

	_, err := a.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	t.Logf("after ForgetUser, the deleted key's bytes in the table's page: %v", bytes.Contains(pages(), key))
	_, err = a.store.Pool().Exec(t.Context(), "VACUUM "+a.table("user_keys"))
	require.NoError(t, err)
	t.Logf("after a plain VACUUM, which frees the space but clears only what it happens to overwrite: %v", bytes.Contains(pages(), key))

	// The rewrite keeps the rows that a transaction begun before the
	// delete may still see, in any session on the database: purge until
	// those have ended.
	var after int64
	require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT txid_current() % 4294967296").Scan(&after))
	deadline := time.Now().Add(time.Minute)
	for {
		require.NoError(t, a.store.PurgeForgotten(t.Context()))
		if !bytes.Contains(pages(), key) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if bytes.Contains(pages(), key) {
		var holders []string
		require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT coalesce(array_agg(pid || ' ' || coalesce(state, '') || ': ' || left(query, 60)), '{}') "+
			"FROM pg_stat_activity WHERE datname = current_database() "+
			"AND backend_xmin IS NOT NULL AND age(backend_xmin) > age($1::text::xid)", fmt.Sprint(after)).Scan(&holders))
		require.NotEmpty(t, holders, "the deleted key's bytes after PurgeForgotten, with no older transaction open")
		t.Logf("sessions on the database still hold a snapshot older than the delete, so the rewrite keeps the row: %q", holders)
	}
	var johns int
	require.NoError(t, a.store.Pool().QueryRow(t.Context(), "SELECT count(*) FROM "+a.table("user_keys")+" WHERE user_id = 'john'").Scan(&johns))
	assert.Equal(t, 1, johns, "john's key is kept")

	var nilCtx context.Context
	assert.ErrorIs(t, a.store.PurgeForgotten(nilCtx), herald.ErrInvalid)
}

// oddNames has a personal field whose JSON name holds what an array
// literal quotes.
type oddNames struct {
	Odd  string `json:"{odd} na;me" herald:"personal"`
	Kept string `json:"kept"`
}

// TestSealedFieldNames seals a field whose name needs quoting in the
// sealed column, in one statement and in a batch written by COPY, and
// opens it again.
func TestSealedFieldNames(t *testing.T) {
	store := openStore(t)
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[oddNames](reg, "c", "a", "odd")
	require.NoError(t, err)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(reg))
	require.NoError(t, err)
	ctx := herald.ContextWithUser(t.Context(), herald.User{ID: "jane"})
	for _, n := range []int{1, 80} {
		batch := make([]herald.Event, n)
		for i := range batch {
			batch[i] = herald.Event{Aggregate: storetest.NewRef("c", "a"), Name: "odd", Data: oddNames{Odd: "secret", Kept: "kept"}}
		}
		_, err = p.PublishBatch(ctx, batch)
		require.NoError(t, err)
	}
	log := storetest.ReadAll(t, store.ReadLog(t.Context(), 0))
	require.Len(t, log, 81)
	for _, e := range log {
		assert.Equal(t, oddNames{Odd: "secret", Kept: "kept"}, e.Data, "position %d", e.Metadata.Position)
	}
	var names []string
	require.NoError(t, store.Pool().QueryRow(t.Context(), "SELECT sealed FROM "+pgx.Identifier{store.Schema(), "events"}.Sanitize()+" LIMIT 1").Scan(&names))
	assert.Equal(t, []string{"{odd} na;me"}, names)
}

// TestPersonalAfterClose checks that forgetting and purging after Close
// fail with herald.ErrClosed.
func TestPersonalAfterClose(t *testing.T) {
	store := openStore(t)
	require.NoError(t, store.Close())
	assert.ErrorIs(t, store.DeleteUserKey(t.Context(), "jane"), herald.ErrClosed)
	assert.ErrorIs(t, store.PurgeForgotten(t.Context()), herald.ErrClosed)
}

// FuzzDamagedSealedRow writes damaged bytes over a sealed event's data and
// sealed column and reads the log: every read gives the event, or an
// error naming its position, never a panic or another event's values.
func FuzzDamagedSealedRow(f *testing.F) {
	f.Add([]byte(`{"email":"AAAA","plan":"pro"}`), "email")
	f.Add([]byte(`{"email":"not base64!","plan":"pro"}`), "email")
	f.Add([]byte(`{"email":12,"plan":"pro"}`), "email")
	f.Add([]byte(`{"plan":"pro"}`), "email")
	f.Add([]byte(`["email"]`), "email")
	f.Add([]byte(`{"email":"`), "email")
	f.Add([]byte{}, "plan")
	f.Add([]byte(`{"email":"x","plan":"pro"}`), `{"odd,}`)
	store := openStore(f)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(accountsRegistry(f)))
	require.NoError(f, err)
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane"})
	e, err := p.Publish(ctx, herald.Event{Aggregate: storetest.NewRef("accounts", "account"), Name: "registered",
		Data: Registered{Email: "jane@example.com", Plan: "pro"}})
	require.NoError(f, err)
	events := pgx.Identifier{store.Schema(), "events"}.Sanitize()
	f.Fuzz(func(t *testing.T, data []byte, field string) {
		if strings.ContainsRune(field, 0) || !utf8.ValidString(field) {
			t.Skip("text holds no NUL and only UTF-8")
		}
		_, err := store.Pool().Exec(t.Context(), "UPDATE "+events+" SET data = $1, sealed = $2 WHERE id = $3",
			data, []string{field}, e.ID)
		require.NoError(t, err)
		for got, err := range store.ReadLog(t.Context(), 0) {
			if err != nil {
				assert.ErrorContains(t, err, "position 1")
				continue
			}
			assert.Equal(t, e.ID, got.ID)
			assert.NotContains(t, fmt.Sprint(got.Data), "jane@example.com")
		}
	})
}

// TestForgetAgainDropsSnapshots checks that forgetting a user who has no
// key left drops the snapshots saved since of aggregates with their
// sealed events, as an append racing the first ForgetUser may leave.
func TestForgetAgainDropsSnapshots(t *testing.T) {
	a := newAccounts(t)
	jane := uuid.New()
	a.register(t, t.Context(), "jane", jane, Registered{Email: "jane@example.com", Plan: "pro"}, "Jane")
	_, err := a.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "accounts", Name: "account", ID: jane}
	require.NoError(t, a.store.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: ref, Revision: 2, State: []byte(`{"Email":"jane@example.com"}`)}))
	_, err = a.publisher.ForgetUser(t.Context(), "jane")
	require.NoError(t, err)
	_, err = a.store.LoadSnapshot(t.Context(), ref)
	assert.ErrorIs(t, err, herald.ErrNotFound)
}
