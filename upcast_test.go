package herald_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// SentV2 is Sent as its second version: the text became a body with a
// language.
type SentV2 struct {
	Body     string `json:"body"`
	Language string `json:"language"`
}

// SentV3 adds who sent the message.
type SentV3 struct {
	Body     string `json:"body"`
	Language string `json:"language"`
	From     string `json:"from"`
}

// textToBody is the upcaster from Sent (version 1) to SentV2.
func textToBody(data json.RawMessage) (json.RawMessage, error) {
	var v1 Sent
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(SentV2{Body: v1.Text, Language: "en"})
}

// addFrom is the upcaster from SentV2 to SentV3.
func addFrom(data json.RawMessage) (json.RawMessage, error) {
	var v2 SentV2
	if err := json.Unmarshal(data, &v2); err != nil {
		return nil, err
	}
	return json.Marshal(SentV3{Body: v2.Body, Language: v2.Language, From: "unknown"})
}

func TestDefineRejectsBadUpcasters(t *testing.T) {
	noop := func(b json.RawMessage) (json.RawMessage, error) { return b, nil }
	cases := []struct {
		name    string
		options []herald.DefineOption
		mention string
	}{
		{"at the current version", []herald.DefineOption{herald.WithVersion(2), herald.WithUpcast(1, noop), herald.WithUpcast(2, noop)}, "WithUpcast(2)"},
		{"above the current version", []herald.DefineOption{herald.WithUpcast(3, noop)}, "WithUpcast(3)"},
		{"without a version", []herald.DefineOption{herald.WithUpcast(1, noop)}, "at version 1"},
		{"two for one step", []herald.DefineOption{herald.WithVersion(2), herald.WithUpcast(1, noop), herald.WithUpcast(1, noop)}, "second upcaster"},
		{"a gap in the chain", []herald.DefineOption{herald.WithVersion(4), herald.WithUpcast(1, noop), herald.WithUpcast(3, noop)}, "none from version 2"},
		{"from version 0", []herald.DefineOption{herald.WithVersion(2), herald.WithUpcast(0, noop)}, "WithUpcast(0)"},
		{"a nil upcaster", []herald.DefineOption{herald.WithVersion(2), herald.WithUpcast(1, nil)}, "nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRegistry(t)
			_, err := herald.Define[SentV2](r, "communication", "message", "sent", c.options...)
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), "communication.message.sent")
			assert.Contains(t, err.Error(), c.mention)
			assert.Empty(t, r.Definitions(), "a rejected definition is not added")
		})
	}
}

// v3Registry defines communication.message.sent at version 3, with
// upcasters from versions 1 and 2.
func v3Registry(t *testing.T) *herald.Registry {
	t.Helper()
	r := newRegistry(t)
	_, err := herald.Define[SentV3](r, "communication", "message", "sent",
		herald.WithVersion(3), herald.WithUpcast(2, addFrom), herald.WithUpcast(1, textToBody))
	require.NoError(t, err)
	return r
}

func TestDecodeUpcastsEveryStepFromTheStoredVersion(t *testing.T) {
	r := v3Registry(t)
	want := SentV3{Body: "hey", Language: "en", From: "unknown"}
	for _, stored := range []herald.Event{
		storedAt(0, json.RawMessage(`{"text":"hey"}`)),
		storedAt(1, json.RawMessage(`{"text":"hey"}`)),
		storedAt(2, []byte(`{"body":"hey","language":"en"}`)),
		storedAt(0, Sent{Text: "hey"}), // a Go value of the old type, as memstore keeps it
	} {
		e := stored
		require.NoError(t, r.Decode(&e))
		assert.Equal(t, want, e.Data, "from version %d", stored.Metadata.Version)
		assert.Equal(t, 3, e.Metadata.Version)
	}
	current := storedAt(3, json.RawMessage(`{"body":"hi","language":"de","from":"jane"}`))
	require.NoError(t, r.Decode(&current))
	assert.Equal(t, SentV3{Body: "hi", Language: "de", From: "jane"}, current.Data, "the current version is decoded as it is")
}

func TestUpcastKeepsJSONAsJSON(t *testing.T) {
	r := v3Registry(t)
	raw := json.RawMessage(`{"text":"hey"}`)
	e := storedAt(1, raw)
	require.NoError(t, r.Upcast(&e))
	assert.JSONEq(t, `{"body":"hey","language":"en","from":"unknown"}`, string(e.Data.(json.RawMessage)))
	assert.Equal(t, 3, e.Metadata.Version)
	assert.Equal(t, `{"text":"hey"}`, string(raw), "the stored bytes are not changed")

	again := e
	require.NoError(t, r.Upcast(&again))
	assert.Equal(t, e, again, "an event at the current version is left as it is")

	adhoc := herald.Event{Aggregate: messageRef(), Name: "liked", Data: json.RawMessage(`{}`)}
	require.NoError(t, r.Upcast(&adhoc))
	assert.Equal(t, json.RawMessage(`{}`), adhoc.Data, "an undefined event is left as it is")
}

func TestVersionWithoutUpcastersReadsOldDataAsItIs(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Sent](r, "communication", "message", "sent", herald.WithVersion(2))
	require.NoError(t, err)
	e := storedAt(1, json.RawMessage(`{"text":"hey"}`))
	require.NoError(t, r.Decode(&e))
	assert.Equal(t, Sent{Text: "hey"}, e.Data)
	assert.Equal(t, 2, e.Metadata.Version)
}

func TestFailingUpcasterNamesTheEventAndPosition(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name   string
		fn     func(json.RawMessage) (json.RawMessage, error)
		reason string
	}{
		{"error", func(json.RawMessage) (json.RawMessage, error) { return nil, boom }, "boom"},
		{"panic", func(json.RawMessage) (json.RawMessage, error) { panic("oops") }, "panicked: oops"},
		{"not JSON", func(json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{`), nil }, "other than JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRegistry(t)
			_, err := herald.Define[SentV2](r, "communication", "message", "sent", herald.WithVersion(2), herald.WithUpcast(1, c.fn))
			require.NoError(t, err)
			e := storedAt(1, json.RawMessage(`{"text":"hey"}`))
			before := e
			err = r.Decode(&e)
			require.ErrorIs(t, err, herald.ErrInvalid)
			var ue *herald.UpcastError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, "communication.message.sent", ue.Event)
			assert.Equal(t, uint64(42), ue.Position)
			assert.Equal(t, 1, ue.From)
			assert.Equal(t, 2, ue.To)
			assert.Contains(t, err.Error(), "communication.message.sent at position 42")
			assert.Contains(t, err.Error(), c.reason)
			assert.Equal(t, before, e, "a failed upcast leaves the event as it was")
			if c.name == "error" {
				assert.ErrorIs(t, err, boom)
			}
		})
	}
}

func TestEventNewerThanItsDefinitionIsAnError(t *testing.T) {
	r := v3Registry(t)
	e := storedAt(4, json.RawMessage(`{}`))
	err := r.Decode(&e)
	var ue *herald.UpcastError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 4, ue.From)
	assert.Contains(t, err.Error(), "newer than its definition")
}

func TestPublishStampsTheDefinitionsVersion(t *testing.T) {
	r := v3Registry(t)
	s, err := memstore.New()
	require.NoError(t, err)
	p, err := herald.NewPublisher(s, nil, herald.WithRegistry(r))
	require.NoError(t, err)
	ref := messageRef()
	e, err := p.Publish(t.Context(), herald.Event{Aggregate: ref, Name: "sent", Data: SentV3{Body: "hi"}})
	require.NoError(t, err)
	assert.Equal(t, 3, e.Metadata.Version)

	old := herald.Event{Aggregate: ref, Name: "sent", Data: SentV3{Body: "hi"}}
	old.Metadata.Version = 2
	_, err = p.Publish(t.Context(), old)
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "metadata.version")

	b, err := e.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"revision":1,"version":3,`)
	var back herald.Event
	require.NoError(t, back.UnmarshalJSON(b))
	assert.Equal(t, 3, back.Metadata.Version)
}

func TestEnvelopeLeavesVersionZeroOut(t *testing.T) {
	e := storedAt(0, nil)
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"version"`, "as wolkenkit writes it")
	e.Metadata.Version = 1
	b, err = e.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"revision":0,"version":1,`)
	var back herald.Event
	err = back.UnmarshalJSON([]byte(`{"metadata":{"version":-1}}`))
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "metadata.version")
}

// storedAt returns a communication.message.sent event as a store gives it
// back: at position 42, data stored at version.
func storedAt(version int, data any) herald.Event {
	e := herald.Event{Aggregate: messageRef(), Name: "sent", Data: data}
	e.Metadata.Position, e.Metadata.Version = 42, version
	return e
}

func TestVersionRaisedAfterDefineIsAnErrorNotAPanic(t *testing.T) {
	r := v3Registry(t)
	d, ok := r.Lookup("communication", "message", "sent")
	require.True(t, ok)
	d.Version = 4
	e := storedAt(1, json.RawMessage(`{"text":"hey"}`))
	err := r.Decode(&e)
	var ue *herald.UpcastError
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, err.Error(), "no upcaster from version 3")
}
