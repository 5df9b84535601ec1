package push_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/push"
)

// Placed is the data of shop.order.placed, a type with every kind of field
// a Map path may go through.
type Placed struct {
	Note
	ID       string          `json:"id"`
	Items    []Item          `json:"items"`
	ByRegion map[string]Item `json:"byRegion"`
	Gift     *Item           `json:"gift,omitempty"`
	Secret   string          `json:"-"`
	Untagged int
	At       time.Time       `json:"at"`
	Extra    any             `json:"extra"`
	Raw      json.RawMessage `json:"raw"`
	Bytes    []byte          `json:"bytes"`
	Pair     [2]Item         `json:"pair"`
	private  int
}

// Note is embedded in Placed: its fields are Placed's in JSON.
type Note struct {
	Text string `json:"note"`
}

// Item is a line of an order.
type Item struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

func registry(t *testing.T, options ...herald.RegistryOption) *herald.Registry {
	t.Helper()
	reg, err := herald.NewRegistry(options...)
	require.NoError(t, err)
	_, err = herald.Define[Sent](reg, "communication", "message", "sent")
	require.NoError(t, err)
	_, err = herald.Define[Liked](reg, "communication", "message", "liked")
	require.NoError(t, err)
	_, err = herald.Define[*Placed](reg, "shop", "order", "placed")
	require.NoError(t, err)
	return reg
}

func newServer(t *testing.T, opts ...push.Option) *push.Server {
	t.Helper()
	bus, err := membus.New()
	require.NoError(t, err)
	srv, err := push.New(context.Background(), newMemstore(t), bus, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}

// mapped returns a public stream of name with m as its map.
func mapped(name string, m map[string]string) push.Stream {
	return push.Stream{ID: "s", PublicSubscribe: true, Events: []push.StreamEvent{{Name: name, Map: m}}}
}

func TestRegisterAcceptsGoodStreams(t *testing.T) {
	srv := newServer(t, push.WithRegistry(registry(t, herald.WithStrict())))
	envelope := map[string]string{}
	for _, p := range []string{
		"context", "context.name", "aggregate", "aggregate.name", "aggregate.id", "name", "id", "type",
		"data", "user", "user.id", "metadata", "metadata.timestamp", "metadata.position",
		"metadata.revision", "metadata.causationId", "metadata.correlationId", "metadata.labels",
		"metadata.labels.room", "metadata.labels.a.b", "metadata.isAuthorized",
		"metadata.isAuthorized.owner", "metadata.isAuthorized.forAuthenticated",
		"metadata.isAuthorized.forPublic",
	} {
		envelope[p] = p
	}
	data := map[string]string{}
	for _, p := range []string{
		"data.id", "data.items", "data.items.0", "data.items.0.sku", "data.byRegion.eu.qty",
		"data.note", "data.gift.sku", "data.Untagged", "data.at", "data.extra.any.thing",
		"data.raw.any.thing", "data.bytes", "data.pair.1.qty",
	} {
		data[p] = p
	}
	streams := []push.Stream{
		{ID: "chat", Name: "Chat", PublicSubscribe: true, Events: []push.StreamEvent{
			{Name: "communication.message.sent", Criteria: push.Criteria{Labels: map[string]string{"room": "a"}}},
			{Name: "communication.message.*", Map: map[string]string{"text": "data.text", "by": "data.by"}},
		}},
		mapped("shop.order.placed", envelope),
		mapped("shop.order.placed", data),
		push.Tail("tail", push.StreamListener),
		{ID: "application-health", SubscriberRoles: []string{"operator"}, Events: []push.StreamEvent{{Name: "*.order.*"}}},
	}
	streams[1].ID, streams[2].ID = "envelope", "data"
	require.NoError(t, srv.Register(streams...))

	got := srv.Streams()
	require.Len(t, got, len(streams))
	assert.Equal(t, []string{"application-health", "chat", "data", "envelope", "tail"},
		[]string{got[0].ID, got[1].ID, got[2].ID, got[3].ID, got[4].ID})
	assert.Equal(t, streams[0], got[1])
	assert.Equal(t, 5, statusOf(t, srv).Streams)

	// The server keeps copies.
	streams[0].Events[0].Criteria.Labels["room"] = "b"
	got[1].Events[1].Map["text"] = "data.nope"
	assert.Equal(t, "a", srv.Streams()[1].Events[0].Criteria.Labels["room"])
	assert.Equal(t, "data.text", srv.Streams()[1].Events[1].Map["text"])
}

func TestRegisterRefusesBadStreams(t *testing.T) {
	good := push.Stream{ID: "good", PublicSubscribe: true, Events: []push.StreamEvent{{Name: "*.*.*"}}}
	public := func(events ...push.StreamEvent) push.Stream {
		return push.Stream{ID: "s", PublicSubscribe: true, Events: events}
	}
	cases := []struct {
		name    string
		strict  bool
		streams []push.Stream
		says    string
	}{
		{"an empty id", false, []push.Stream{{PublicSubscribe: true, Events: good.Events}}, "the id is empty"},
		{"an id with a slash", false, []push.Stream{{ID: "a/b", PublicSubscribe: true, Events: good.Events}}, "path segment"},
		{"an id with a space", false, []push.Stream{{ID: "a b", PublicSubscribe: true, Events: good.Events}}, "path segment"},
		{"a taken id", false, []push.Stream{good, good}, "the id is taken"},
		{"no events", false, []push.Stream{{ID: "s", PublicSubscribe: true}}, "selects no events"},
		{"no one could open it", false, []push.Stream{{ID: "s", Events: good.Events}}, "no one could open it"},
		{"an empty role", false, []push.Stream{{ID: "s", SubscriberRoles: []string{"a", ""}, Events: good.Events}}, "SubscriberRoles[1] is empty"},
		{"a short name", false, []push.Stream{public(push.StreamEvent{Name: "communication.message"})}, "events[0]"},
		{"a partial wildcard", false, []push.Stream{public(push.StreamEvent{Name: "communication.mess*.sent"})}, "whole segment"},
		{"an undefined event on a strict registry", true, []push.Stream{public(push.StreamEvent{Name: "communication.room.opened"})}, "strict registry"},
		{"a wildcard matching nothing on a strict registry", true, []push.Stream{public(push.StreamEvent{Name: "billing.*.*"})}, "strict registry"},
		{"an empty map key", false, []push.Stream{mapped("*.*.*", map[string]string{"": "id"})}, "a key is empty"},
		{"a path outside the envelope", false, []push.Stream{mapped("*.*.*", map[string]string{"x": "metadata.nope"})}, `"metadata.nope" is not a path`},
		{"user.name", false, []push.Stream{mapped("*.*.*", map[string]string{"x": "user.name"})}, "not a path"},
		{"an empty label key", false, []push.Stream{mapped("*.*.*", map[string]string{"x": "metadata.labels."})}, "not a path"},
		{"an empty data segment", false, []push.Stream{mapped("*.*.*", map[string]string{"x": "data..text"})}, "empty segment"},
		{"data.", false, []push.Stream{mapped("*.*.*", map[string]string{"x": "data."})}, "empty segment"},
		{"a missing field", false, []push.Stream{mapped("communication.message.sent", map[string]string{"x": "data.txt"})}, "cannot exist in the data of communication.message.sent (push_test.Sent)"},
		{"a field of no matching event", false, []push.Stream{mapped("communication.message.*", map[string]string{"x": "data.sku"})}, "cannot exist"},
		{"below a string", false, []push.Stream{mapped("communication.message.sent", map[string]string{"x": "data.text.length"})}, "cannot exist"},
		{"a field by its Go name", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.ID"})}, "cannot exist"},
		{"a field left out of JSON", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.Secret"})}, "cannot exist"},
		{"an unexported field", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.private"})}, "cannot exist"},
		{"the embedded struct by name", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.Note"})}, "cannot exist"},
		{"a list by key", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.items.first"})}, "cannot exist"},
		{"a negative index", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.items.-1"})}, "cannot exist"},
		{"past an array's end", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.pair.2"})}, "cannot exist"},
		{"below a time", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.at.year"})}, "cannot exist"},
		{"below bytes", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.bytes.0"})}, "cannot exist"},
		{"below an item", false, []push.Stream{mapped("shop.order.placed", map[string]string{"x": "data.gift.sku.x"})}, "cannot exist"},
		{"one bad stream of two", false, []push.Stream{{ID: "ok", PublicSubscribe: true, Events: good.Events}, {ID: ""}}, "the id is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []herald.RegistryOption
			if tc.strict {
				opts = append(opts, herald.WithStrict())
			}
			srv := newServer(t, push.WithRegistry(registry(t, opts...)))
			err := srv.Register(tc.streams...)
			require.Error(t, err)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Regexp(t, `^push: stream "`, err.Error())
			assert.Contains(t, err.Error(), tc.says)
			assert.Empty(t, srv.Streams(), "nothing is registered")
		})
	}

	t.Run("an id taken by an earlier call", func(t *testing.T) {
		srv := newServer(t)
		require.NoError(t, srv.Register(good))
		err := srv.Register(good)
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.Contains(t, err.Error(), "the id is taken")
	})
	t.Run("a lenient registry lets undefined events through unchecked", func(t *testing.T) {
		srv := newServer(t, push.WithRegistry(registry(t)))
		assert.NoError(t, srv.Register(mapped("communication.room.opened", map[string]string{"x": "data.anything"})))
	})
	t.Run("without a registry data paths are not checked", func(t *testing.T) {
		srv := newServer(t)
		assert.NoError(t, srv.Register(mapped("communication.message.sent", map[string]string{"x": "data.txt"})))
	})
	t.Run("several errors are joined", func(t *testing.T) {
		srv := newServer(t)
		err := srv.Register(push.Stream{ID: "a"}, push.Stream{ID: "b"})
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.Contains(t, err.Error(), `stream "a"`)
		assert.Contains(t, err.Error(), `stream "b"`)
	})
}

func TestNewRefusesBadOptions(t *testing.T) {
	bus, err := membus.New()
	require.NoError(t, err)
	store := newMemstore(t)
	ctx := context.Background()

	_, err = push.New(ctx, nil, bus)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	for _, opt := range []push.Option{
		push.WithHeartbeat(0), push.WithBufferSize(0), push.WithBufferSize(1 << 31),
		push.WithWriteTimeout(-time.Second), push.WithPollInterval(-time.Second),
		push.WithName(""), push.WithAuthenticator(nil),
	} {
		_, err := push.New(ctx, store, bus, opt)
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.Regexp(t, `^push: new: With\w+\(`, err.Error(), "the error names the option")
	}

	srv, err := push.New(ctx, store, bus, push.WithName("push"))
	require.NoError(t, err)
	defer srv.Close(ctx)
	_, err = push.New(ctx, store, bus, push.WithName("push"))
	assert.ErrorIs(t, err, herald.ErrInvalid, "the name is taken on the bus")
	assert.Regexp(t, `^push: new: `, err.Error())
}
