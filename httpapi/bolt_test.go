package httpapi_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
)

func TestOnBoltstore(t *testing.T) {
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	e := newEnv(t, store, nil)

	public := envelope("communication", "message", "sent", map[string]any{"text": "hey"})
	public["metadata"] = map[string]any{"isAuthorized": map[string]any{"forPublic": true}, "labels": map[string]string{"room": "1"}}
	a := e.post(tokenSender, []any{public, envelope("communication", "message", "sent", map[string]any{"text": "private"})})
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)

	// A refused batch leaves the file as it was.
	problemOf(t, e.post(tokenSender, []any{public, map[string]any{"namespace": "a.b", "name": "x"}}), http.StatusUnprocessableEntity)
	assert.Equal(t, uint64(2), e.eventCount())

	got := e.query("", "label=room:1")
	require.Len(t, got.Results, 1)
	assert.JSONEq(t, `{"text":"hey"}`, string(got.Results[0].Data.(json.RawMessage)))
	assert.Len(t, e.query(tokenSender, "").Results, 2, "alice owns the private one")

	log := e.do(http.MethodGet, "/events/log?after=1", tokenReader, nil)
	require.Equal(t, http.StatusOK, log.status)
	events := lines(t, log.body)
	require.Len(t, events, 1)
	assert.Equal(t, uint64(2), events[0].Metadata.Position)
	assert.Equal(t, &herald.User{ID: "alice"}, events[0].User)
}
