package bustest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var patternCases = []testCase{
	{"Delivery/Patterns/Async", func(t *testing.T, h *harness) { testPatterns(t, h, false) }},
	{"Delivery/Patterns/Sync", func(t *testing.T, h *harness) { testPatterns(t, h, true) }},
	{"Subscribe/InvalidPattern", testInvalidPatterns},
}

// parcel is a payload held as a Go struct, matched by its JSON names.
type parcel struct {
	Weight float64  `json:"weight"`
	Tags   []string `json:"tags"`
}

// patternEvents returns the events testPatterns publishes, by short name:
// payloads held as a map, as JSON and as a struct; with and without
// labels, user and authorization.
func patternEvents() (keys []string, events []herald.Event) {
	mk := func(key, context, aggregate, name string, revision uint64, data any) {
		e := newEvent(context, aggregate, name, 0)
		e.Data = data
		e.Metadata.Revision = revision
		keys = append(keys, key)
		events = append(events, e)
	}
	mk("placed", "shop", "order", "placed", 1, map[string]any{
		"total": 120, "currency": "EUR", "items": []any{map[string]any{"sku": "A-1"}, map[string]any{"sku": "B-2"}},
	})
	mk("cancelled", "shop", "order", "cancelled", 2, map[string]any{"total": 5.5, "currency": "usd"})
	mk("invoiceSent", "shop", "invoice", "sent", 1, map[string]any{"total": 50})
	mk("billingPlaced", "billing", "order", "placed", 7, json.RawMessage(`{"total": 300, "currency": "EUR", "note": null}`))
	mk("parcelSent", "shipping", "parcel", "sent", 3, parcel{Weight: 2.5, Tags: []string{"fragile", "express"}})

	events[0].Metadata.Labels = map[string]string{"region": "eu-west"}
	events[0].User = &herald.User{ID: "alice"}
	events[1].Metadata.Labels = map[string]string{"region": "us-east"}
	events[2].User = &herald.User{ID: "bob"}
	events[2].Metadata.Authorization = &herald.Authorization{Owner: "bob"}
	events[3].Metadata.Labels = map[string]string{"region": "eu-central"}
	events[4].Type = ""
	return keys, events
}

// patternSubscriptions are the patterns testPatterns subscribes with and
// the events (by short name, in publish order) each must receive, written
// out by hand.
var patternSubscriptions = []struct {
	name    string
	events  []string
	pattern string
	want    []string
}{
	{"context", nil, `{"context":{"name":["shop"]}}`, []string{"placed", "cancelled", "invoiceSent"}},
	{"any-of-names", nil, `{"name":["placed","sent"]}`, []string{"placed", "invoiceSent", "billingPlaced", "parcelSent"}},
	{"prefix", nil, `{"aggregate":{"name":[{"prefix":"ord"}]}}`, []string{"placed", "cancelled", "billingPlaced"}},
	{"suffix", nil, `{"aggregate":{"name":[{"suffix":"cel"}]}}`, []string{"parcelSent"}},
	{"label-prefix", nil, `{"metadata":{"labels":{"region":[{"prefix":"eu-"}]}}}`, []string{"placed", "billingPlaced"}},
	{"label-anything-but", nil, `{"metadata":{"labels":{"region":[{"anything-but":"us-east"}]}}}`, []string{"placed", "billingPlaced"}},
	{"label-missing", nil, `{"metadata":{"labels":{"region":[{"exists":false}]}}}`, []string{"invoiceSent", "parcelSent"}},
	{"revision-range", nil, `{"metadata":{"revision":[{"numeric":[">",1,"<=",7]}]}}`, []string{"cancelled", "billingPlaced", "parcelSent"}},
	{"data-numeric", nil, `{"data":{"total":[{"numeric":[">=",100]}]}}`, []string{"placed", "billingPlaced"}},
	{"data-ignore-case", nil, `{"data":{"currency":[{"equals-ignore-case":"eur"}]}}`, []string{"placed", "billingPlaced"}},
	{"data-list-of-objects", nil, `{"data":{"items":{"sku":[{"wildcard":"B-*"}]}}}`, []string{"placed"}},
	{"data-struct-list", nil, `{"data":{"tags":["express"]}}`, []string{"parcelSent"}},
	{"data-null", nil, `{"data":{"note":[null]}}`, []string{"billingPlaced"}},
	{"user-suffix", nil, `{"user":{"id":[{"suffix":"ice"}]}}`, []string{"placed"}},
	{"anonymous", nil, `{"user":[null]}`, []string{"cancelled", "billingPlaced", "parcelSent"}},
	{"or", nil, `{"$or":[{"context":{"name":["billing"]}},{"data":{"weight":[{"numeric":["<",3]}]}}]}`, []string{"billingPlaced", "parcelSent"}},
	{"several-fields", nil, `{"context":{"name":["shop"]},"name":[{"anything-but":["cancelled"]}],"metadata":{"isAuthorized":{"owner":["bob"]}}}`, []string{"invoiceSent"}},
	{"type-default", nil, `{"type":["domain"]}`, []string{"placed", "cancelled", "invoiceSent", "billingPlaced", "parcelSent"}},
	{"names-and-pattern", []string{"shop.*.*"}, `{"data":{"total":[{"numeric":["<",100]}]}}`, []string{"cancelled", "invoiceSent"}},
	{"no-match", nil, `{"name":["shipped"]}`, nil},
}

// withFence wraps a pattern so that it matches the fence as well.
func withFence(pattern string) string {
	return `{"$or":[` + pattern + `,{"context":{"name":["bustest"]},"aggregate":{"name":["fence"]}}]}`
}

// testPatterns checks that every subscription with a pattern receives
// exactly the events its pattern matches, each once, in order.
func testPatterns(t *testing.T, h *harness, isSync bool) {
	b := h.bus(t, Config{})
	recorders := make(map[string]*recorder)
	for _, s := range patternSubscriptions {
		r := newRecorder()
		recorders[s.name] = r
		events := s.events
		if events != nil {
			events = append([]string{fenceName}, events...)
		}
		subscribe(t, b, herald.Subscription{Name: s.name, Events: events, Pattern: withFence(s.pattern), Handler: r, Sync: isSync})
	}
	keys, events := patternEvents()
	byKey := make(map[string]uuid.UUID)
	for i, k := range keys {
		byKey[k] = events[i].ID
	}
	publish(t, b, events[:2]...)
	publish(t, b, events[2:]...)
	publish(t, b, newFence())
	for _, s := range patternSubscriptions {
		r, ok := recorders[s.name]
		if !ok {
			continue
		}
		want := make([]uuid.UUID, 0, len(s.want))
		for _, key := range s.want {
			want = append(want, byKey[key])
		}
		assert.Equal(t, want, ids(r.waitFence(t, s.name)), "subscription %q with pattern %s", s.name, s.pattern)
	}
}

// testInvalidPatterns checks that a malformed pattern is refused at
// subscribe time with herald.ErrInvalid and an error naming the field.
func testInvalidPatterns(t *testing.T, h *harness) {
	ok := herald.HandlerFunc(func(context.Context, herald.Event) error { return nil })
	invalid := []struct{ name, pattern, field string }{
		{"not JSON", `{"name":`, ""},
		{"not an object", `["placed"]`, ""},
		{"value not a list", `{"name":"placed"}`, "name"},
		{"empty list", `{"name":[]}`, "name"},
		{"unknown operator", `{"name":[{"regex":"pl.*"}]}`, "name"},
		{"two operators", `{"aggregate":{"name":[{"suffix":"CEL","equals-ignore-case":"x"}]}}`, "aggregate.name"},
		{"prefix of a number", `{"context":{"name":[{"prefix":3}]}}`, "context.name"},
		{"numeric operand", `{"metadata":{"revision":[{"numeric":[">","one"]}]}}`, "metadata.revision"},
		{"numeric operator", `{"metadata":{"revision":[{"numeric":["=>",1]}]}}`, "metadata.revision"},
		{"exists not a boolean", `{"data":{"total":[{"exists":"yes"}]}}`, "data.total"},
		{"empty or", `{"$or":[]}`, "$or"},
		{"or of values", `{"$or":["placed"]}`, "$or[0]"},
		{"bad field in or", `{"$or":[{"name":["a"]},{"metadata":{"revision":[{"numeric":[]}]}}]}`, "metadata.revision"},
		{"outside the envelope", `{"aggregate":{"kind":["order"]}}`, "aggregate.kind"},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			b := h.bus(t, Config{})
			err := b.Subscribe(herald.Subscription{Name: "patterned", Pattern: c.pattern, Handler: ok})
			require.Error(t, err, "pattern %s", c.pattern)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), c.field, "the error names the field")
			assert.NoError(t, b.Subscribe(herald.Subscription{Name: "patterned", Handler: ok}),
				"the name of a refused subscription is free")
		})
	}
}
