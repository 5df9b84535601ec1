package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func call(t *testing.T, h http.Handler, method, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	var out map[string]any
	if w.Body.Len() > 0 {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	}
	return w, out
}

func TestHandler(t *testing.T) {
	a := newApp(t)
	rcv := newReceiver(t)
	d, err := webhook.NewDispatcher(a.store, a.bus, fast()...)
	require.NoError(t, err)
	h := d.Handler()

	w, created := call(t, h, "POST", "/subscriptions",
		`{"service":{"name":"`+rcv.srv.URL+`","version":"1.2.0"},"eventTypes":["communication.message.*"]}`)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	id := created["id"].(string)
	assert.True(t, strings.HasPrefix(created["secret"].(string), "whsec_"))

	w, list := call(t, h, "GET", "/subscriptions", "")
	require.Equal(t, http.StatusOK, w.Code)
	subs := list["subscriptions"].([]any)
	require.Len(t, subs, 1)
	first := subs[0].(map[string]any)
	assert.Equal(t, id, first["id"])
	assert.NotContains(t, first, "secret")
	assert.Equal(t, "1.2.0", first["service"].(map[string]any)["version"])

	w, st := call(t, h, "PATCH", "/subscriptions/"+id, `{"paused":true}`)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "paused", st["state"])
	w, st = call(t, h, "PATCH", "/subscriptions/"+id, `{"paused":false}`)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, false, st["paused"])

	w, rotated := call(t, h, "POST", "/subscriptions/"+id+"/secret", "")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, created["secret"], rotated["previousSecret"])
	assert.NotEqual(t, created["secret"], rotated["secret"])

	w, _ = call(t, h, "GET", "/subscriptions/"+id+"/dead-letters", "")
	assert.Equal(t, http.StatusOK, w.Code)
	w, _ = call(t, h, "DELETE", "/subscriptions/"+id, "")
	assert.Equal(t, http.StatusNoContent, w.Code)
	w, p := call(t, h, "DELETE", "/subscriptions/"+id, "")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	assert.Equal(t, "urn:herald:problem:not-found", p["type"])
}

func TestHandlerRefuses(t *testing.T) {
	a := newApp(t)
	d, err := webhook.NewDispatcher(a.store, a.bus)
	require.NoError(t, err)
	h := d.Handler()
	cases := []struct{ name, body, field, kind string }{
		{"not http", `{"service":{"name":"ftp://x.example/"},"eventTypes":["a.b.c"]}`, "service.name", "invalid-subscription"},
		{"bad secret", `{"service":{"name":"https://x.example/"},"eventTypes":["a.b.c"],"secret":"abc"}`, "secret", "invalid-subscription"},
		{"bad type", `{"service":{"name":"https://x.example/"},"eventTypes":["a.b"]}`, "eventTypes", "invalid-subscription"},
		{"malformed", `{"service":`, "", "malformed-json"},
		{"unknown field", `{"url":"https://x.example/"}`, "", "malformed-json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, p := call(t, h, "POST", "/subscriptions", c.body)
			assert.Equal(t, http.StatusBadRequest, w.Code)
			assert.Equal(t, "urn:herald:problem:"+c.kind, p["type"])
			if c.field != "" {
				assert.Equal(t, c.field, p["field"])
			}
			assert.NotEmpty(t, p["detail"])
		})
	}
	w, _ := call(t, h, "PATCH", "/subscriptions/x", `{}`)
	assert.Equal(t, http.StatusBadRequest, w.Code)
}
