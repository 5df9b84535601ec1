package push_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

func labelled(name string, data any, labels map[string]string) herald.Event {
	ev := message(name, data)
	ev.Metadata.Labels = labels
	return ev
}

func TestCriteria(t *testing.T) {
	thread := uuid.New()
	stream := push.Stream{ID: "room-a", PublicSubscribe: true, Events: []push.StreamEvent{
		{Name: "communication.message.sent", Criteria: push.Criteria{Labels: map[string]string{"room": "a"}}},
		{Name: "communication.message.liked", Criteria: push.Criteria{CorrelationID: thread}},
	}}
	e := newEnv(t, []push.Stream{stream})
	all := e.open("room-a", request{})
	english := e.open("room-a", request{query: url.Values{"criteria": {`{"labels":{"lang":"en"}}`}}})
	threaded := e.open("room-a", request{query: url.Values{"criteria": {`{"correlationId":"` + thread.String() + `"}`}}})
	everything := e.open("room-a", request{query: url.Values{"criteria": {`{}`}}})

	inThread := func(ev herald.Event) herald.Event {
		ev.Metadata.CorrelationID = thread
		return ev
	}
	var want, wantEnglish, wantThreaded []string
	for _, c := range []struct {
		ev                    herald.Event
		sent, english, thread bool
	}{
		{labelled("sent", Sent{"a"}, map[string]string{"room": "a"}), true, false, false},
		{labelled("sent", Sent{"b"}, map[string]string{"room": "b"}), false, false, false},
		{labelled("sent", Sent{"none"}, nil), false, false, false},
		{inThread(message("liked", Liked{})), true, false, true},
		{message("liked", Liked{}), false, false, false},
		{labelled("sent", Sent{"a, en"}, map[string]string{"room": "a", "lang": "en"}), true, true, false},
		{inThread(labelled("sent", Sent{"a, en, thread"}, map[string]string{"room": "a", "lang": "en"})), true, true, true},
		{labelled("liked", Liked{}, map[string]string{"room": "a", "lang": "en"}), false, false, false},
	} {
		id := pos(e.publish("", c.ev))
		if c.sent {
			want = append(want, id)
		}
		if c.english {
			wantEnglish = append(wantEnglish, id)
		}
		if c.thread {
			wantThreaded = append(wantThreaded, id)
		}
	}
	end := pos(e.publish("", inThread(labelled("sent", Sent{"the end"}, map[string]string{"room": "a", "lang": "en"}))))

	assert.Equal(t, want, all.upTo(end))
	assert.Equal(t, wantEnglish, english.upTo(end))
	assert.Equal(t, wantThreaded, threaded.upTo(end))
	assert.Equal(t, want, everything.upTo(end))

	// A client's criteria cannot undo the stream's.
	other := e.open("room-a", request{query: url.Values{"criteria": {`{"labels":{"room":"b"}}`}}})
	e.publish("", labelled("sent", Sent{"b"}, map[string]string{"room": "b"}))
	last := e.publish("", labelled("sent", Sent{"a, b"}, map[string]string{"room": "a"}))
	both := inThread(labelled("sent", Sent{"b"}, map[string]string{"room": "b"}))
	both.Name = "liked"
	both = e.publish("", both)
	assert.Equal(t, pos(both), other.event().ID, "%s is in room a", pos(last))
}

func TestMap(t *testing.T) {
	stream := push.Stream{ID: "texts", PublicSubscribe: true, Events: []push.StreamEvent{
		{Name: "communication.message.sent", Map: map[string]string{
			"text":        "data.text",
			"big":         "data.big",
			"second":      "data.list.1",
			"by":          "user.id",
			"user":        "user",
			"correlation": "metadata.correlationId",
			"room":        "metadata.labels.room",
			"nothing":     "metadata.labels.nope",
			"position":    "metadata.position",
			"revision":    "metadata.revision",
			"timestamp":   "metadata.timestamp",
			"context":     "context",
			"aggregate":   "aggregate",
			"auth":        "metadata.isAuthorized",
			"public":      "metadata.isAuthorized.forPublic",
			"missing":     "data.missing.deeper",
			"type":        "type",
		}},
		{Name: "communication.message.*"}, // the others whole
	}}
	e := newEnv(t, []push.Stream{stream})
	live := e.open("texts", request{})

	ev := labelled("sent", json.RawMessage(`{"text":"hi <there>","big":12345678901234567890,"list":[1,2.5]}`), map[string]string{"room": "a"})
	ev.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	sent := e.publish("alice", ev)
	liked := e.publish("", message("liked", Liked{By: "bob"}))

	want := `{"text":"hi <there>","big":12345678901234567890,"second":2.5,"by":"alice","user":{"id":"alice"},` +
		`"correlation":"` + sent.Metadata.CorrelationID.String() + `","room":"a","nothing":null,` +
		`"position":` + pos(sent) + `,"revision":1,"timestamp":` + jsonNumber(sent.Metadata.Timestamp.UnixMilli()) + `,` +
		`"context":{"name":"communication"},"aggregate":{"name":"message","id":"` + sent.Aggregate.ID.String() + `"},` +
		`"auth":{"owner":"alice","forAuthenticated":false,"forPublic":true},"public":true,"missing":null,"type":"domain"}`
	likedJSON, err := liked.MarshalJSON()
	require.NoError(t, err)

	replay := e.open("texts", request{header: http.Header{"Last-Event-Id": {"0"}}})
	for name, c := range map[string]*sse{"live": live, "replayed": replay} {
		t.Run(name, func(t *testing.T) {
			c := c.on(t)
			f := c.event()
			assert.Equal(t, pos(sent), f.ID)
			assert.Equal(t, "communication.message.sent", f.Event)
			assert.JSONEq(t, want, f.Data)
			assert.Contains(t, f.Data, "12345678901234567890", "numbers are sent as they are")
			f = c.event()
			assert.Equal(t, pos(liked), f.ID)
			assert.Equal(t, string(likedJSON), f.Data)
		})
	}
}

func TestMapOfGoValues(t *testing.T) {
	stream := push.Stream{ID: "orders", PublicSubscribe: true, Events: []push.StreamEvent{
		{Name: "shop.order.placed", Map: map[string]string{
			"note": "data.note", "sku": "data.items.0.sku", "eu": "data.byRegion.eu.qty",
			"data": "data", "metadata": "metadata", "gift": "data.gift",
		}},
	}}
	e := newEnv(t, []push.Stream{stream}, push.WithRegistry(registry(t)))
	c := e.open("orders", request{})
	placed := e.publish("", herald.Event{
		Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()},
		Name:      "placed",
		Data: &Placed{
			Note:     Note{Text: "leave at the door"},
			Items:    []Item{{SKU: "tea", Qty: 2}},
			ByRegion: map[string]Item{"eu": {SKU: "tea", Qty: 7}},
		},
	})
	whole, err := placed.MarshalJSON()
	require.NoError(t, err)
	var envelope struct {
		Data, Metadata json.RawMessage
	}
	require.NoError(t, json.Unmarshal(whole, &envelope))

	f := c.event()
	var got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(f.Data), &got))
	assert.JSONEq(t, `"leave at the door"`, string(got["note"]))
	assert.JSONEq(t, `"tea"`, string(got["sku"]))
	assert.JSONEq(t, `7`, string(got["eu"]))
	assert.JSONEq(t, `null`, string(got["gift"]))
	assert.JSONEq(t, string(envelope.Data), string(got["data"]))
	assert.JSONEq(t, string(envelope.Metadata), string(got["metadata"]))
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
