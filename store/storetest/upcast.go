package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/durable"
	"github.com/herald-go/herald/projection"
)

// The events of Upcasting: a note's text became a body with a title, in
// version 2 of upcast.note.written.
type (
	writtenV1 struct {
		Text string `json:"text"`
	}
	writtenV2 struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
)

// upcastWritten turns version 1 of upcast.note.written into version 2.
func upcastWritten(data json.RawMessage) (json.RawMessage, error) {
	var v1 writtenV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(writtenV2{Title: "untitled", Body: v1.Text})
}

// noteV1 and noteV2 are the aggregate of Upcasting as the code of each
// version has it.
type (
	noteV1 struct {
		herald.AggregateBase
	}
	noteV2 struct {
		herald.AggregateBase
		Bodies []string
	}
)

func newNoteV1() *noteV1 {
	n := &noteV1{}
	_ = herald.Apply(n, "written", func(writtenV1) {})
	return n
}

func newNoteV2() *noteV2 {
	n := &noteV2{}
	_ = herald.Apply(n, "written", func(d writtenV2) { n.Bodies = append(n.Bodies, d.Title+": "+d.Body) })
	return n
}

// Upcasting checks that a store reads events stored at an older version
// of their definition in the current shape. open returns the store with
// the registry r, which it gives the store (or leaves to the publisher to
// give): first an empty store, then, called a second time, the same log
// reopened with a registry at version 2, as a new release of an
// application opens its store. Events are written at version 1; then an
// aggregate load, a read of the log, of a stream and a query, the
// rebuild of a projection and a durable subscription all see version 2, and an upcaster's failure
// is an error naming the event and its position.
func Upcasting(t *testing.T, open func(t *testing.T, r *herald.Registry) herald.Store) {
	t.Helper()
	ctx := t.Context()
	v1 := upcastRegistry(t, herald.WithVersion(1))
	p1, err := herald.NewPublisher(open(t, v1), nil, herald.WithRegistry(v1))
	require.NoError(t, err)
	notes1, err := herald.NewRepository(p1, "upcast", "note", newNoteV1)
	require.NoError(t, err)
	id := uuid.New()
	_, err = notes1.Use(ctx, id, func(n *noteV1) error {
		return errors.Join(n.Publish("written", writtenV1{Text: "one"}), n.Publish("written", writtenV1{Text: "two"}))
	})
	require.NoError(t, err)

	v2 := upcastRegistry(t, herald.WithVersion(2), herald.WithUpcast(1, upcastWritten))
	store := open(t, v2)
	p2, err := herald.NewPublisher(store, nil, herald.WithRegistry(v2))
	require.NoError(t, err)
	notes2, err := herald.NewRepository(p2, "upcast", "note", newNoteV2)
	require.NoError(t, err)
	note, err := notes2.Use(ctx, id, func(n *noteV2) error {
		return n.Publish("written", writtenV2{Title: "new", Body: "three"})
	})
	require.NoError(t, err)
	want := []string{"untitled: one", "untitled: two", "new: three"}
	assert.Equal(t, want, note.Bodies, "the aggregate as used")
	note, err = notes2.Load(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, want, note.Bodies, "the aggregate loaded")

	ref := herald.AggregateRef{Context: "upcast", Name: "note", ID: id}
	assertUpcast(t, want, ReadAll(t, store.ReadLog(ctx, 0)), "read log")
	assertUpcast(t, want, ReadAll(t, store.ReadStream(ctx, ref, 0, 0)), "read stream")
	page, err := store.Query(ctx, herald.Query{Names: []string{"upcast.note.written"}})
	require.NoError(t, err)
	assertUpcast(t, want, page.Events, "query")
	assert.Equal(t, want, rebuilt(t, store, v2), "the projection rebuilt")
	assert.Equal(t, want, subscribed(t, store), "a durable subscription")

	failing := upcastRegistry(t, herald.WithVersion(2), herald.WithUpcast(1, func(json.RawMessage) (json.RawMessage, error) {
		return nil, assert.AnError
	}))
	first := ReadAll(t, store.ReadLog(ctx, 0))[0]
	first.Data, first.Metadata.Version = json.RawMessage(`{"text":"one"}`), 0 // as stored
	err = failing.Decode(&first)
	var ue *herald.UpcastError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "upcast.note.written", ue.Event)
	assert.Equal(t, uint64(1), ue.Position)
}

// subscribed returns what a durable subscription of store gets of the
// notes' events, from the start of the log.
func subscribed(t *testing.T, store herald.Store) []string {
	t.Helper()
	var bodies []string
	sub, err := durable.New(durable.Config{Store: store, Subscription: herald.Subscription{
		Name: "bodies", Handler: herald.On(func(_ context.Context, _ herald.Event, d writtenV2) error {
			bodies = append(bodies, d.Title+": "+d.Body)
			return nil
		})}})
	require.NoError(t, err)
	stats, err := store.Stats(t.Context())
	require.NoError(t, err)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- sub.Run(ctx) }()
	require.NoError(t, sub.Wait(t.Context(), stats.Head))
	stop()
	require.NoError(t, <-done)
	return bodies
}

// upcastRegistry defines upcast.note.written at a version of the options.
func upcastRegistry(t *testing.T, options ...herald.DefineOption) *herald.Registry {
	t.Helper()
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	if len(options) == 1 {
		_, err = herald.Define[writtenV1](r, "upcast", "note", "written", options...)
	} else {
		_, err = herald.Define[writtenV2](r, "upcast", "note", "written", options...)
	}
	require.NoError(t, err)
	return r
}

// assertUpcast checks that events are upcast.note.written events of
// version 2 whose titles and bodies are want.
func assertUpcast(t *testing.T, want []string, events []herald.Event, msg string) {
	t.Helper()
	got := make([]string, 0, len(events))
	for i := range events {
		d, err := herald.DataAs[writtenV2](&events[i])
		require.NoError(t, err, msg)
		assert.Equal(t, 2, events[i].Metadata.Version, "%s: event %d", msg, i)
		got = append(got, d.Title+": "+d.Body)
	}
	assert.Equal(t, want, got, msg)
}

// rebuilt returns what a projection of the notes' bodies holds once
// rebuilt from store.
func rebuilt(t *testing.T, store herald.Store, r *herald.Registry) []string {
	t.Helper()
	var bodies []string
	p, err := projection.New(projection.Config[*[]string]{
		Name: "bodies", Store: store, Registry: r, Model: projection.Memory(&bodies),
		Handlers: []projection.Handler[*[]string]{
			projection.On("upcast.note.written", func(_ context.Context, m *[]string, _ herald.Event, d writtenV2) error {
				*m = append(*m, d.Title+": "+d.Body)
				return nil
			}),
		},
		Reset: func(_ context.Context, m *[]string) error { *m = nil; return nil },
	})
	require.NoError(t, err)
	require.NoError(t, p.Rebuild(t.Context()))
	return bodies
}
