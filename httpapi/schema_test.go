package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

type order struct {
	Items []orderItem `json:"items"`
}

type orderItem struct {
	Quantity int `json:"quantity" jsonschema:"minimum=1"`
}

// Data sent as JSON is checked against its definition's schema: a value
// refused is pointed at, and nothing is stored.
func TestPostValidatesDataAgainstItsSchema(t *testing.T) {
	registry, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[order](registry, "shop", "order", "placed")
	require.NoError(t, err)
	e := newEnv(t, nil, registry)
	items := []any{map[string]any{"quantity": 1}, map[string]any{"quantity": 2}, map[string]any{"quantity": 0}}

	p := problemOf(t, e.post(tokenSender, envelope("shop", "order", "placed", map[string]any{"items": items})), http.StatusUnprocessableEntity)
	assert.Equal(t, "data", p.Field)
	assert.Equal(t, "/data/items/2/quantity", p.Pointer)
	assert.Contains(t, p.Detail, "event shop.order.placed: data: /items/2/quantity: must be >= 1")
	p = problemOf(t, e.post(tokenSender, []any{envelope("shop", "order", "placed", map[string]any{"items": "many"})}), http.StatusUnprocessableEntity)
	assert.Equal(t, "/0/data/items", p.Pointer)
	assert.Zero(t, e.eventCount(), "nothing is stored")

	items[2] = map[string]any{"quantity": 3}
	a := e.post(tokenSender, envelope("shop", "order", "placed", map[string]any{"items": items}))
	require.Equal(t, http.StatusCreated, a.status, "body: %s", a.body)
	assert.Equal(t, uint64(1), e.eventCount())
}
