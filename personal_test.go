package herald_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
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

func accountsRegistry(t *testing.T) *herald.Registry {
	t.Helper()
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[Registered](reg, "accounts", "account", "registered")
	require.NoError(t, err)
	_, err = herald.Define[Renamed](reg, "accounts", "account", "renamed")
	require.NoError(t, err)
	return reg
}

// personalStores are the stores that keep user keys, each new per test.
var personalStores = map[string]func(t *testing.T) herald.Store{
	"memstore": func(t *testing.T) herald.Store {
		s, err := memstore.New()
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	},
	"boltstore": func(t *testing.T) herald.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"))
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	},
}

// TestForgetUserEveryRead publishes personal data of two users, forgets
// one, and reads everything back: an aggregate load, a replay of the log,
// a query and a projection rebuilt from scratch. The repository takes
// snapshots, which hold the values in the clear: forgetting drops them.
func TestForgetUserEveryRead(t *testing.T) {
	for name, newStore := range personalStores {
		t.Run(name, func(t *testing.T) {
			store := newStore(t)
			p, err := herald.NewPublisher(store, nil, herald.WithRegistry(accountsRegistry(t)))
			require.NoError(t, err)
			repo, err := herald.NewRepository(p, "accounts", "account", newAccount, herald.WithSnapshotEvery(1))
			require.NoError(t, err)
			jane, john := uuid.New(), uuid.New()
			register := func(user string, id uuid.UUID, r Registered, newName string) {
				ctx := herald.ContextWithUser(t.Context(), herald.User{ID: user})
				_, err := repo.Use(ctx, id, func(a *Account) error {
					if err := a.Publish("registered", r); err != nil {
						return err
					}
					return a.Publish("renamed", Renamed{Name: newName})
				})
				require.NoError(t, err)
			}
			register("jane", jane, Registered{Email: "jane@example.com", Name: "Jane", Plan: "pro"}, "Jane D.")
			register("john", john, Registered{Email: "john@example.com", Name: "John", Plan: "free"}, "John D.")

			names := map[string]string{}
			proj, err := projection.New(projection.Config[map[string]string]{
				Name: "names", Store: store, Model: projection.Memory(names),
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
			assert.Equal(t, map[string]string{"jane": "Jane D.", "john": "John D."}, names)

			before := readLog(t, store)
			_, err = p.ForgetUser(t.Context(), "jane")
			require.NoError(t, err)

			a, err := repo.Load(t.Context(), jane)
			require.NoError(t, err)
			assert.Equal(t, []string{"", "", "pro"}, []string{a.Email, a.Name, a.Plan}, "jane's account")
			a, err = repo.Load(t.Context(), john)
			require.NoError(t, err)
			assert.Equal(t, []string{"john@example.com", "John D.", "free"}, []string{a.Email, a.Name, a.Plan}, "john's account")

			after := readLog(t, store)
			require.Len(t, after, len(before)+1)
			for i, e := range before {
				got := after[i]
				assert.Equal(t, e.ID, got.ID)
				assert.Equal(t, e.Metadata.Position, got.Metadata.Position)
				assert.Equal(t, e.Metadata.Revision, got.Metadata.Revision)
				assert.Equal(t, e.User.ID == "jane", got.Metadata.Redacted, "event %d", i)
			}
			assert.Equal(t, herald.UserDeleted, after[len(before)].FullName())

			page, err := store.Query(t.Context(), herald.Query{Names: []string{"accounts.account.registered"}})
			require.NoError(t, err)
			require.Len(t, page.Events, 2)
			r, err := herald.DataAs[Registered](&page.Events[0])
			require.NoError(t, err)
			assert.Equal(t, Registered{Plan: "pro"}, r)
			assert.True(t, page.Events[0].Metadata.Redacted)

			require.NoError(t, proj.Rebuild(t.Context()))
			assert.Equal(t, map[string]string{"jane": "", "john": "John D."}, names)

			b, err := after[0].MarshalJSON()
			require.NoError(t, err)
			assert.Contains(t, string(b), `"redacted":true`)
			assert.NotContains(t, string(b), "jane@example.com")
		})
	}
}

func readLog(t *testing.T, s herald.Store) []herald.Event {
	t.Helper()
	var events []herald.Event
	for e, err := range s.ReadLog(t.Context(), 0) {
		require.NoError(t, err)
		events = append(events, e)
	}
	return events
}

// TestDefinePersonalRefused checks that a personal tag where none is
// supported fails Define, naming the event and the field.
func TestDefinePersonalRefused(t *testing.T) {
	type notString struct {
		Age int `json:"age" herald:"personal"`
	}
	type notEncoded struct {
		Secret string `json:"-" herald:"personal"`
	}
	type unexported struct {
		secret string `herald:"personal"`
	}
	type inner struct {
		Email string `herald:"personal"`
	}
	type nested struct {
		Contact inner
	}
	type nestedSlice struct {
		Contacts []*inner
	}
	cases := map[string]func(r *herald.Registry) error{
		"int": func(r *herald.Registry) error {
			_, err := herald.Define[notString](r, "c", "a", "e")
			return err
		},
		"json-": func(r *herald.Registry) error {
			_, err := herald.Define[notEncoded](r, "c", "a", "e")
			return err
		},
		"unexported": func(r *herald.Registry) error {
			_, err := herald.Define[unexported](r, "c", "a", "e")
			return err
		},
		"nested": func(r *herald.Registry) error {
			_, err := herald.Define[nested](r, "c", "a", "e")
			return err
		},
		"nested slice": func(r *herald.Registry) error {
			_, err := herald.Define[nestedSlice](r, "c", "a", "e")
			return err
		},
		"user deleted": func(r *herald.Registry) error {
			_, err := herald.Define[herald.UserDeletedData](r, "herald", "user", "deleted")
			return err
		},
	}
	for name, define := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := herald.NewRegistry()
			require.NoError(t, err)
			err = define(r)
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), "define ")
			assert.Empty(t, r.Definitions(), "nothing is defined")
			t.Log(err)
		})
	}
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	d, err := herald.Define[Registered](r, "accounts", "account", "registered")
	require.NoError(t, err)
	assert.Equal(t, []string{"email", "name"}, d.PersonalFields())
	d, err = herald.Define[Incremented](r, "demo", "counter", "incremented")
	require.NoError(t, err)
	assert.Nil(t, d.PersonalFields())
}

// TestRedactedInJSON checks that the envelope's JSON carries "redacted"
// only when set, and reads it back.
func TestRedactedInJSON(t *testing.T) {
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "c", Name: "a", ID: uuid.New()}, Name: "e", ID: uuid.New()}
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), "redacted")
	e.Metadata.Redacted = true
	b, err = e.MarshalJSON()
	require.NoError(t, err)
	var back herald.Event
	require.NoError(t, back.UnmarshalJSON(b))
	assert.True(t, back.Metadata.Redacted)
}

// TestForgetUserBadInput checks ForgetUser's errors: a nil context, an
// empty user id, and a store that keeps no keys; none publishes anything.
func TestForgetUserBadInput(t *testing.T) {
	store := newStore(t)
	p, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	var nilCtx context.Context
	_, err = p.ForgetUser(nilCtx, "jane")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	_, err = p.ForgetUser(t.Context(), "")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "user id")

	keyless, err := herald.NewPublisher(storeWithoutKeys{store}, nil)
	require.NoError(t, err)
	_, err = keyless.ForgetUser(t.Context(), "jane")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "keeps no user keys")
	assert.Empty(t, readLog(t, store), "nothing is published")
}

// storeWithoutKeys is a store without the driver.KeyStore capability.
type storeWithoutKeys struct{ herald.Store }

// TestPersonalFieldsAnnotatedInSchema finds the personal fields marked in
// the derived schema, and no other field.
func TestPersonalFieldsAnnotatedInSchema(t *testing.T) {
	r := newRegistry(t)
	d, err := herald.Define[Registered](r, "identity", "account", "registered")
	require.NoError(t, err)
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(d.Schema(), &schema))
	for name, personal := range map[string]bool{"email": true, "name": true, "plan": false} {
		_, marked := schema.Properties[name][herald.PersonalKeyword]
		assert.Equal(t, personal, marked, name)
	}
	assert.Equal(t, true, schema.Properties["email"][herald.PersonalKeyword])
}

// oddTag has a tag name encoding/json refuses, so it writes the field
// under its Go name.
type oddTag struct {
	Email string `json:"e\\mail" herald:"personal"`
}

// hidden writes its JSON itself, without its personal field.
type hidden struct {
	Email string `json:"email" herald:"personal"`
}

func (hidden) MarshalJSON() ([]byte, error) { return []byte(`{"kind":"hidden"}`), nil }

// TestPersonalFieldNamedAsJSONWritesIt finds a personal field under the
// member encoding/json writes it as, and refuses one that its type's JSON
// leaves out, so that no personal value is stored unsealed.
func TestPersonalFieldNamedAsJSONWritesIt(t *testing.T) {
	r := newRegistry(t)
	d, err := herald.Define[oddTag](r, "c", "a", "odd")
	require.NoError(t, err)
	assert.Equal(t, []string{"Email"}, d.PersonalFields())

	_, err = herald.Define[hidden](r, "c", "a", "hidden")
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "c.a.hidden")
	assert.ErrorContains(t, err, "field Email")
}
