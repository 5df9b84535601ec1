package herald_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

func TestDefineRejectsBadDefinitions(t *testing.T) {
	cases := []struct {
		name                     string
		context, aggregate, what string
		options                  []herald.DefineOption
		mention                  string
	}{
		{"empty context", "", "message", "sent", nil, "context name"},
		{"empty aggregate", "communication", "", "sent", nil, "aggregate name"},
		{"empty event name", "communication", "message", "", nil, "event name"},
		{"dot in a name", "communication", "message", "sent.now", nil, "event name"},
		{"version 0", "communication", "message", "sent", []herald.DefineOption{herald.WithVersion(0)}, "WithVersion"},
		{"sample of another type", "communication", "message", "sent", []herald.DefineOption{herald.WithSample(Liked{})}, "WithSample"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRegistry(t)
			_, err := herald.Define[Sent](r, c.context, c.aggregate, c.what, c.options...)
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), c.mention)
			assert.Empty(t, r.Definitions(), "a rejected definition is not added")
		})
	}
}

func TestDefineTwiceIsAnError(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Sent](r, "communication", "message", "sent")
	require.NoError(t, err)
	_, err = herald.Define[Liked](r, "communication", "message", "sent")
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "communication.message.sent")
}

func TestDefinitionCarriesItsOptions(t *testing.T) {
	r := newRegistry(t)
	d, err := herald.Define[Sent](r, "communication", "message", "sent",
		herald.WithDescription("A message was sent."), herald.WithVersion(2),
		herald.WithDefaultAuthorization(herald.Authorization{ForPublic: true}), herald.WithSample(Sent{Text: "hi"}))
	require.NoError(t, err)
	_, err = herald.Define[Liked](r, "communication", "message", "liked")
	require.NoError(t, err)

	got, ok := r.Lookup("communication", "message", "sent")
	require.True(t, ok)
	assert.Same(t, d, got)
	assert.Equal(t, "A message was sent.", d.Description)
	assert.Equal(t, 2, d.Version)
	assert.Equal(t, &herald.Authorization{ForPublic: true}, d.Authorization)
	assert.Equal(t, Sent{Text: "hi"}, d.Sample)
	assert.Equal(t, "communication.message.sent", d.FullName())
	assert.Equal(t, "Sent", d.Type.Name())

	all := r.Definitions()
	require.Len(t, all, 2)
	assert.Equal(t, "communication.message.liked", all[0].FullName())
	_, ok = r.Lookup("communication", "message", "deleted")
	assert.False(t, ok)
}

func TestRegistryCheckAcceptsValuesAndPointers(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Sent](r, "communication", "message", "sent")
	require.NoError(t, err)
	ref := messageRef()
	assert.NoError(t, r.Check(&herald.Event{Aggregate: ref, Name: "sent", Data: Sent{Text: "x"}}))
	assert.NoError(t, r.Check(&herald.Event{Aggregate: ref, Name: "sent", Data: &Sent{Text: "x"}}))
	assert.ErrorIs(t, r.Check(&herald.Event{Aggregate: ref, Name: "sent", Data: &Sent{}}), herald.ErrInvalid, "Validate runs on pointers too")
	assert.ErrorIs(t, r.Check(&herald.Event{Aggregate: ref, Name: "sent"}), herald.ErrInvalid, "nil data is not a Sent")
}

// Pointy validates through a pointer receiver.
type Pointy struct{ N int }

func (p *Pointy) Validate() error {
	if p.N < 0 {
		return assert.AnError
	}
	return nil
}

func TestValidateWithPointerReceiver(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Pointy](r, "math", "number", "set")
	require.NoError(t, err)
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "math", Name: "number"}, Name: "set", Data: Pointy{N: -1}}
	err = r.Check(&e)
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "math.number.set", invalid.Event)
	assert.Equal(t, "data", invalid.Field)
	assert.ErrorIs(t, err, assert.AnError, "the Validate error is kept")
}

func TestOnGivesTypedData(t *testing.T) {
	var got []Sent
	h := herald.On(func(_ context.Context, _ herald.Event, s Sent) error {
		got = append(got, s)
		return nil
	})
	ref := messageRef()
	for _, data := range []any{Sent{Text: "value"}, &Sent{Text: "pointer"}, json.RawMessage(`{"text":"json"}`), []byte(`{"text":"bytes"}`)} {
		require.NoError(t, h.Handle(context.Background(), herald.Event{Aggregate: ref, Name: "sent", Data: data}))
	}
	assert.Equal(t, []Sent{{"value"}, {"pointer"}, {"json"}, {"bytes"}}, got)

	err := h.Handle(context.Background(), herald.Event{Aggregate: ref, Name: "sent", Data: Liked{}})
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "communication.message.sent", invalid.Event)
	err = h.Handle(context.Background(), herald.Event{Aggregate: ref, Name: "sent", Data: json.RawMessage(`{"text":1}`)})
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Len(t, got, 4)
}

func TestRegistryDecode(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Sent](r, "communication", "message", "sent")
	require.NoError(t, err)
	ref := messageRef()
	e := herald.Event{Aggregate: ref, Name: "sent", Data: json.RawMessage(`{"text":"hey"}`)}
	require.NoError(t, r.Decode(&e))
	assert.Equal(t, Sent{Text: "hey"}, e.Data)

	adHoc := herald.Event{Aggregate: ref, Name: "typed", Data: json.RawMessage(`{"x":1}`)}
	require.NoError(t, r.Decode(&adHoc))
	assert.Equal(t, json.RawMessage(`{"x":1}`), adHoc.Data, "undefined events keep their JSON")

	bad := herald.Event{Aggregate: ref, Name: "sent", Data: json.RawMessage(`[1]`)}
	require.ErrorIs(t, r.Decode(&bad), herald.ErrInvalid)
}

// Panicky panics when validated.
type Panicky struct{}

func (Panicky) Validate() error { panic("validator broke") }

func TestValidatePanicIsAnError(t *testing.T) {
	r := newRegistry(t)
	_, err := herald.Define[Panicky](r, "a", "b", "c")
	require.NoError(t, err)
	err = r.Check(&herald.Event{Aggregate: herald.AggregateRef{Context: "a", Name: "b"}, Name: "c", Data: Panicky{}})
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "validator broke")
}

func TestRegistryStrict(t *testing.T) {
	strict, err := herald.NewRegistry(herald.WithStrict())
	require.NoError(t, err)
	lenient, err := herald.NewRegistry()
	require.NoError(t, err)
	var none *herald.Registry
	assert.True(t, strict.Strict())
	assert.False(t, lenient.Strict())
	assert.False(t, none.Strict())
}
