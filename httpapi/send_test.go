package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
)

func TestPostOneEnvelope(t *testing.T) {
	e := newEnv(t, nil, nil)
	sent := envelope("communication", "message", "sent", map[string]any{"text": "hey"})
	sent["metadata"] = map[string]any{"labels": map[string]string{"program": "support"}, "position": 99}
	a := e.post(tokenSender, sent)
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))

	var stored herald.Event
	require.NoError(t, json.Unmarshal(a.body, &stored))
	assert.Equal(t, uint64(1), stored.Metadata.Position, "the store assigns the position")
	assert.Equal(t, "communication.message.sent", stored.FullName())
	assert.Equal(t, &herald.User{ID: "alice"}, stored.User, "the caller is the user")
	assert.Equal(t, "alice", stored.Metadata.Authorization.Owner)
	assert.Equal(t, map[string]string{"program": "support"}, stored.Metadata.Labels)
	assert.JSONEq(t, `{"text":"hey"}`, string(stored.Data.(json.RawMessage)))
	assert.Equal(t, uint64(1), e.eventCount())
}

func TestPostBatchIsAtomic(t *testing.T) {
	e := newEnv(t, nil, nil)
	good := envelope("communication", "message", "sent", nil)
	a := e.post(tokenSender, []any{good, envelope("communication", "message", "liked", nil)})
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	var stored []herald.Event
	require.NoError(t, json.Unmarshal(a.body, &stored))
	require.Len(t, stored, 2)
	assert.Equal(t, []uint64{1, 2}, []uint64{stored[0].Metadata.Position, stored[1].Metadata.Position})

	bad := envelope("communication", "message", "", nil) // no name
	p := problemOf(t, e.post(tokenSender, []any{envelope("communication", "message", "sent", nil), bad}), http.StatusUnprocessableEntity)
	assert.Equal(t, "name", p.Field)
	assert.Equal(t, "/1/name", p.Pointer)
	assert.Equal(t, uint64(2), e.eventCount(), "nothing of the refused batch is stored")
}

func TestPostADSPShape(t *testing.T) {
	e := newEnv(t, nil, nil)
	a := e.post(tokenService, []map[string]any{{
		"namespace": "form-service", "name": "form-submitted", "timestamp": "2026-12-03T09:00:00.5Z",
		"correlationId": "form-42", "context": map[string]any{"formId": "42", "draft": false, "n": 3},
		"payload": map[string]any{"answers": []int{1, 2}},
	}, {
		"namespace": "form-service", "name": "form-archived", "correlationId": "0ff228c1-e9a5-47a6-9b96-a0767082b61e",
		"aggregate": map[string]any{"name": "form", "id": "4c99d051-a526-4526-9cca-34f92a6c8c9d"},
	}})
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	var stored []herald.Event
	require.NoError(t, json.Unmarshal(a.body, &stored))
	require.Len(t, stored, 2)

	first := stored[0]
	assert.Equal(t, herald.AggregateRef{Context: "form-service", Name: httpapi.ADSPAggregate,
		ID: httpapi.ADSPAggregateID("form-service")}, first.Aggregate)
	assert.Equal(t, "form-submitted", first.Name)
	assert.Equal(t, "2026-12-03T09:00:00.5Z", first.Metadata.Timestamp.Format("2006-01-02T15:04:05.999Z07:00"))
	assert.Equal(t, httpapi.CorrelationID("form-42"), first.Metadata.CorrelationID)
	assert.Equal(t, map[string]string{"formId": "42", "draft": "false", "n": "3", httpapi.ADSPCorrelationLabel: "form-42"},
		first.Metadata.Labels)
	assert.JSONEq(t, `{"answers":[1,2]}`, string(first.Data.(json.RawMessage)))
	assert.Nil(t, first.User, "a service without a user sends anonymously")

	second := stored[1]
	assert.Equal(t, "form", second.Aggregate.Name)
	assert.Equal(t, "4c99d051-a526-4526-9cca-34f92a6c8c9d", second.Aggregate.ID.String())
	assert.Equal(t, "0ff228c1-e9a5-47a6-9b96-a0767082b61e", second.Metadata.CorrelationID.String())
	assert.Empty(t, second.Metadata.Labels, "a uuid correlation id needs no label")

	// The same string finds the events by correlation id.
	got := e.query(tokenReader, "correlationId=form-42")
	require.Len(t, got.Results, 1)
	assert.Equal(t, first.ID, got.Results[0].ID)
}

func TestPostBadInput(t *testing.T) {
	strict, err := herald.NewRegistry(herald.WithStrict())
	require.NoError(t, err)
	_, err = herald.Define[map[string]any](strict, "communication", "message", "sent")
	require.NoError(t, err)
	valid := func() map[string]any { return envelope("communication", "message", "liked", nil) }
	with := func(key string, v any) map[string]any { m := valid(); m[key] = v; return m }

	cases := []struct {
		name     string
		token    string
		body     any
		status   int
		field    string
		pointer  string
		registry *herald.Registry
	}{
		{name: "malformed JSON", token: tokenSender, body: []byte(`{"name":`), status: 400, pointer: "/"},
		{name: "empty body", token: tokenSender, body: []byte(``), status: 400},
		{name: "not an object", token: tokenSender, body: []byte(`"sent"`), status: 400},
		{name: "empty batch", token: tokenSender, body: []byte(`[]`), status: 400},
		{name: "an array item not an object", token: tokenSender, body: []byte(`[1]`), status: 400, pointer: "/0"},
		{name: "unknown member", token: tokenSender, body: with("colour", "red"), status: 400, field: "colour", pointer: "/colour"},
		{name: "unknown metadata member", token: tokenSender, body: with("metadata", map[string]any{"stamp": 1}),
			status: 400, field: "metadata.stamp", pointer: "/metadata/stamp"},
		{name: "bad timestamp", token: tokenSender, body: with("metadata", map[string]any{"timestamp": "yesterday"}),
			status: 400, field: "metadata.timestamp", pointer: "/metadata/timestamp"},
		{name: "bad aggregate id", token: tokenSender, body: with("aggregate", map[string]any{"name": "message", "id": "x"}),
			status: 400, field: "aggregate.id", pointer: "/aggregate/id"},
		{name: "ADSP bad timestamp", token: tokenSender, body: map[string]any{"namespace": "forms", "name": "done", "timestamp": "noon"},
			status: 400, field: "timestamp", pointer: "/timestamp"},
		{name: "ADSP nested context", token: tokenSender, body: map[string]any{"namespace": "forms", "name": "done", "context": map[string]any{"a": map[string]any{}}},
			status: 400, field: "context.a", pointer: "/context/a"},
		{name: "ADSP namespace with a dot", token: tokenSender, body: []any{map[string]any{"namespace": "a.b", "name": "done"}},
			status: 422, field: "namespace", pointer: "/0/namespace"},
		{name: "undefined on a strict registry", token: tokenSender, body: valid(), status: 422, field: "name", pointer: "/name", registry: strict},
		{name: "no token", body: valid(), status: 401},
		{name: "wrong token", token: "forged", body: valid(), status: 401},
		{name: "no sender role", token: tokenBob, body: valid(), status: 403},
		{name: "a service without the sender role", token: tokenMonitor, body: valid(), status: 403},
		{name: "too large", token: tokenSender, body: with("data", strings.Repeat("x", 2048)), status: 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil, c.registry, httpapi.WithMaxBody(1024))
			p := problemOf(t, e.post(c.token, c.body), c.status)
			assert.Equal(t, c.field, p.Field, "detail: %s", p.Detail)
			if c.pointer == "/" {
				assert.Equal(t, "", p.Pointer)
			} else if c.pointer != "" {
				assert.Equal(t, c.pointer, p.Pointer)
			}
			assert.Zero(t, e.eventCount(), "nothing is stored")
		})
	}
}

func TestPostListsEveryFault(t *testing.T) {
	e := newEnv(t, nil, nil)
	bad := envelope("communication", "message", "sent", nil)
	bad["colour"] = "red"
	worse := envelope("communication", "message", "sent", nil)
	worse["id"] = "not-a-uuid"
	p := problemOf(t, e.post(tokenSender, []any{bad, envelope("a", "b", "c", nil), worse}), http.StatusBadRequest)
	require.Len(t, p.Errors, 2)
	assert.Equal(t, "/0/colour", p.Errors[0].Pointer)
	assert.Equal(t, "/2/id", p.Errors[1].Pointer)
	assert.Zero(t, e.eventCount())
}

func TestPostConflictIs409(t *testing.T) {
	e := newEnv(t, nil, nil)
	first := e.publish(context.Background(), event("sent", nil, nil))[0]
	again := envelope("communication", "message", "edited", nil)
	again["aggregate"] = map[string]any{"name": "message", "id": first.Aggregate.ID.String()}
	again["metadata"] = map[string]any{"revision": 1}
	problemOf(t, e.post(tokenSender, again), http.StatusConflict)
	assert.Equal(t, uint64(1), e.eventCount())
}

func TestPostSendsAnExportedLogBack(t *testing.T) {
	from := newEnv(t, nil, nil)
	from.publish(context.Background(), event("sent", &herald.Authorization{ForPublic: true}, map[string]string{"k": "v"}))
	exported := from.do(http.MethodGet, "/events/log", tokenReader, nil)
	require.Equal(t, http.StatusOK, exported.status)

	to := newEnv(t, nil, nil)
	line := []byte(strings.TrimSpace(string(exported.body)))
	a := to.post(tokenSender, line)
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	again := to.post(tokenSender, line)
	require.Equal(t, http.StatusCreated, again.status, "sending a stored event again is acknowledged")
	assert.Equal(t, uint64(1), to.eventCount())

	var orig, copied herald.Event
	require.NoError(t, json.Unmarshal(line, &orig))
	require.NoError(t, json.Unmarshal(a.body, &copied))
	assert.Equal(t, orig.ID, copied.ID)
	assert.Equal(t, orig.Metadata.Timestamp, copied.Metadata.Timestamp)
	assert.Equal(t, orig.Metadata.Authorization, copied.Metadata.Authorization)
	assert.NotEqual(t, uuid.Nil, copied.ID)
}
