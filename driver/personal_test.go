package driver_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

type contact struct {
	Email string `json:"email" herald:"personal"`
	Phone string `json:"phone,omitempty" herald:"personal"`
	Plan  string `json:"plan"`
}

func contactEvent(t testing.TB, data any, user string) (*herald.Registry, herald.Event) {
	t.Helper()
	reg, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[contact](reg, "crm", "contact", "added")
	require.NoError(t, err)
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "crm", Name: "contact", ID: uuid.New()}, Name: "added", ID: uuid.New(), Data: data}
	if user != "" {
		e.User = &herald.User{ID: user}
	}
	return reg, e
}

// TestSealOpenPersonal seals the personal fields of an event, opens them
// with the key, and redacts them without it or with another key.
func TestSealOpenPersonal(t *testing.T) {
	reg, e := contactEvent(t, contact{Email: "jane@example.com", Plan: "pro"}, "jane")
	data, fields, err := driver.PersonalData(reg, &e)
	require.NoError(t, err)
	assert.Equal(t, []string{"email"}, fields, "an empty field is not sealed")
	key := driver.NewUserKey()
	sealed, err := driver.SealPersonal(&e, data, fields, key)
	require.NoError(t, err)
	assert.NotContains(t, string(sealed), "jane@example.com")

	opened, redacted, err := driver.OpenPersonal(&e, sealed, fields, &key)
	require.NoError(t, err)
	assert.False(t, redacted)
	assert.JSONEq(t, string(data), string(opened))

	for name, k := range map[string]*driver.UserKey{"no key": nil, "another key": ptr(driver.NewUserKey())} {
		opened, redacted, err = driver.OpenPersonal(&e, sealed, fields, k)
		require.NoError(t, err, name)
		assert.True(t, redacted, name)
		assert.JSONEq(t, `{"email":"","plan":"pro"}`, string(opened), name)
	}

	other := e
	other.ID = uuid.New()
	_, _, err = driver.OpenPersonal(&other, sealed, fields, &key)
	assert.Error(t, err, "a value sealed for another event does not open")

	b, err := key.AppendBinary(nil)
	require.NoError(t, err)
	back, err := driver.ParseUserKey(b)
	require.NoError(t, err)
	assert.Equal(t, key, back)
	_, err = driver.ParseUserKey(b[1:])
	assert.Error(t, err)
}

// TestPersonalDataCases covers what PersonalData seals: nothing without a
// registry's personal definition, names matched regardless of case in
// raw JSON, and no anonymous personal data.
func TestPersonalDataCases(t *testing.T) {
	reg, e := contactEvent(t, json.RawMessage(`{"EMAIL":"x@example.com","plan":"free"}`), "jane")
	_, fields, err := driver.PersonalData(reg, &e)
	require.NoError(t, err)
	assert.Equal(t, []string{"EMAIL"}, fields)

	_, fields, err = driver.PersonalData(nil, &e)
	require.NoError(t, err)
	assert.Nil(t, fields, "no registry")

	reg, e = contactEvent(t, contact{Email: "x@example.com"}, "")
	_, _, err = driver.PersonalData(reg, &e)
	var ve *herald.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "user", ve.Field)

	reg, e = contactEvent(t, json.RawMessage(`["x@example.com"]`), "jane")
	_, _, err = driver.PersonalData(reg, &e)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "data", ve.Field)
}

func ptr[T any](v T) *T { return &v }

// FuzzOpenPersonal opens any bytes as sealed data: an error or data, never
// a panic; and data sealed from fuzzed values opens back to them.
func FuzzOpenPersonal(f *testing.F) {
	f.Add(`{"email":"jane@example.com","plan":"pro"}`, "email", []byte(`{"email":"AAAA"}`))
	f.Add(`{"email":"","plan":""}`, "plan", []byte(`{}`))
	f.Add(`null`, "x", []byte(`null`))
	f.Add(` { "a" : [1, {"b":"}"}] , "em\u0061il" : "x\"y" , "c":null } `, "email", []byte(`{"email":5}`))
	f.Add(`{"email":{"nested":["a","b"]},"email":"twice"}`, "email", []byte(`{"email":"", "x":1}`))
	key := driver.NewUserKey()
	f.Fuzz(func(t *testing.T, plain, field string, raw []byte) {
		_, e := contactEvent(t, nil, "jane")
		_, _, _ = driver.OpenPersonal(&e, raw, []string{field}, &key)
		_, _, _ = driver.OpenPersonal(&e, raw, []string{field}, nil)
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(plain), &obj) != nil || obj == nil {
			return
		}
		if _, ok := obj[field]; !ok {
			return
		}
		sealed, err := driver.SealPersonal(&e, []byte(plain), []string{field}, key)
		if err != nil {
			t.Fatalf("seal %s: %v", plain, err)
		}
		opened, redacted, err := driver.OpenPersonal(&e, sealed, []string{field}, &key)
		if err != nil || redacted {
			t.Fatalf("open %s: %v, redacted %v", sealed, err, redacted)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(opened, &got); err != nil {
			t.Fatalf("opened %s: %v", opened, err)
		}
		want, _ := json.Marshal(obj)
		again, _ := json.Marshal(got)
		if string(want) != string(again) {
			t.Fatalf("opened %s, want %s", again, want)
		}
	})
}
