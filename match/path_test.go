package match_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// envelopePaths are the paths of the envelope outside data and one label,
// as ParsePath's documentation lists them.
var envelopePaths = []string{
	"context", "context.name", "aggregate", "aggregate.name", "aggregate.id", "name", "id", "type",
	"user", "user.id", "metadata", "metadata.timestamp", "metadata.position", "metadata.revision",
	"metadata.causationId", "metadata.correlationId", "metadata.labels", "metadata.isAuthorized",
	"metadata.isAuthorized.owner", "metadata.isAuthorized.forAuthenticated",
	"metadata.isAuthorized.forPublic",
}

// pathEvents are events that between them have every field of the
// envelope, and lack every field that can be missing.
func pathEvents() map[string]herald.Event {
	full := patternEvent()
	full.Metadata.Labels = map[string]string{"program": "support", "a.b": "dotted", "html": "<b>&"}

	odd := patternEvent()
	odd.Type = herald.TypeReadModel
	odd.Name = "say \"hi\"\n<b>&\u2028"
	odd.User = &herald.User{ID: "jäne\x00\xff"}
	odd.Metadata.Timestamp = time.UnixMilli(1<<53 + 1)
	odd.Metadata.Position = math.MaxUint64
	odd.Metadata.Revision = 1<<53 + 1
	odd.Metadata.Authorization = &herald.Authorization{Owner: "\xff<owner>", ForPublic: true}

	return map[string]herald.Event{
		"full":      full,
		"odd":       odd,
		"anonymous": {Aggregate: herald.AggregateRef{Context: "c", Name: "a", ID: uuid.New()}, Name: "n"},
		"zero":      {},
	}
}

// jsonAt returns the value MarshalJSON writes for e at keys, decoded with
// json.Numbers, and whether it writes one.
func jsonAt(t *testing.T, e *herald.Event, keys []string) (any, bool) {
	t.Helper()
	whole, err := e.MarshalJSON()
	require.NoError(t, err)
	var v any = decodeJSON(t, whole)
	for _, key := range keys {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

// assertValueAt checks that Value gives at path what MarshalJSON writes
// at keys, and an object byte for byte.
func assertValueAt(t *testing.T, e *herald.Event, path string, keys []string) {
	t.Helper()
	p, err := match.ParsePath(path)
	require.NoError(t, err)
	want, present := jsonAt(t, e, keys)
	got, ok := p.Value(e)
	require.Equal(t, present, ok, "whether MarshalJSON writes %s", path)
	if !ok {
		assert.Nil(t, got)
		return
	}
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Equal(t, want, decodeJSON(t, b), path)
	if raw, ok := got.(json.RawMessage); ok {
		whole, err := e.MarshalJSON()
		require.NoError(t, err)
		assert.Contains(t, string(whole), string(raw), "%s is what MarshalJSON writes", path)
	}
}

func TestPathValueIsWhatMarshalJSONWrites(t *testing.T) {
	for name, e := range pathEvents() {
		t.Run(name, func(t *testing.T) {
			for _, path := range envelopePaths {
				assertValueAt(t, &e, path, strings.Split(path, "."))
			}
			for _, key := range []string{"program", "a.b", "html", "nope"} {
				assertValueAt(t, &e, "metadata.labels."+key, []string{"metadata", "labels", key})
			}
		})
	}
}

func TestPathValueTypes(t *testing.T) {
	e := patternEvent()
	for path, want := range map[string]any{
		"context.name":                           "communication",
		"aggregate.id":                           "0b866be9-f83c-4501-a54f-fa3facb582c5",
		"id":                                     "4c99d051-a526-4526-9cca-34f92a6c8c9d",
		"type":                                   herald.TypeDomain,
		"user.id":                                "jane.doe@example.com",
		"metadata.timestamp":                     int64(1421260133331),
		"metadata.position":                      uint64(42),
		"metadata.revision":                      uint64(3),
		"metadata.labels.region":                 "eu-west-1",
		"metadata.isAuthorized.forAuthenticated": true,
		"metadata.isAuthorized.forPublic":        false,
		"aggregate":                              json.RawMessage(`{"name":"message","id":"0b866be9-f83c-4501-a54f-fa3facb582c5"}`),
		"metadata.labels":                        json.RawMessage(`{"herald.flow":"notify","program":"support","region":"eu-west-1"}`),
	} {
		p, err := match.ParsePath(path)
		require.NoError(t, err)
		got, ok := p.Value(&e)
		assert.True(t, ok, path)
		assert.Equal(t, want, got, path)
	}

	anonymous := herald.Event{}
	user, err := match.ParsePath("user")
	require.NoError(t, err)
	got, ok := user.Value(&anonymous)
	assert.True(t, ok, "an anonymous event's user is written as null")
	assert.Nil(t, got)
}

func TestPathData(t *testing.T) {
	e := patternEvent()
	for path, want := range map[string][]string{
		"data":              nil,
		"data.text":         {"text"},
		"data.items.0.sku":  {"items", "0", "sku"},
		"data.$or.-1.Plain": {"$or", "-1", "Plain"},
	} {
		p, err := match.ParsePath(path)
		require.NoError(t, err, path)
		keys, ok := p.DataPath()
		assert.True(t, ok, path)
		assert.Equal(t, want, keys, path)
		v, ok := p.Value(&e)
		assert.False(t, ok, "%s: the payload is not read by Value", path)
		assert.Nil(t, v)
	}

	p, err := match.ParsePath("data.a.b")
	require.NoError(t, err)
	keys, _ := p.DataPath()
	keys[0] = "changed"
	again, _ := p.DataPath()
	assert.Equal(t, []string{"a", "b"}, again, "DataPath returns a copy")

	var zero match.Path
	keys, ok := zero.DataPath()
	assert.True(t, ok, "the zero Path is data")
	assert.Empty(t, keys)

	for _, path := range append(envelopePaths, "metadata.labels.data") {
		p, err := match.ParsePath(path)
		require.NoError(t, err)
		keys, ok := p.DataPath()
		assert.False(t, ok, path)
		assert.Nil(t, keys, path)
	}
}

func TestParsePathRefuses(t *testing.T) {
	for path, says := range map[string]string{
		"":                        "is not a path of the event envelope",
		"nope":                    "is not a path of the event envelope",
		"Context":                 "is not a path of the event envelope",
		"aggregate.kind":          "is not a path of the event envelope",
		"context.name.more":       "is not a path of the event envelope",
		"user.name":               "is not a path of the event envelope",
		"metadata.nope":           "is not a path of the event envelope",
		"metadata.labels.":        "is not a path of the event envelope",
		"metadata.isAuthorized.x": "is not a path of the event envelope",
		".name":                   "is not a path of the event envelope",
		"name.":                   "is not a path of the event envelope",
		"datas.text":              "is not a path of the event envelope",
		"data.":                   "has an empty segment",
		"data..text":              "has an empty segment",
		"data.text.":              "has an empty segment",
	} {
		_, err := match.ParsePath(path)
		require.Error(t, err, path)
		assert.ErrorIs(t, err, herald.ErrInvalid, path)
		assert.Equal(t, fmt.Sprintf("match: %q %s: invalid input", path, says), err.Error())
	}
}

// FuzzParsePath checks that what ParsePath refuses
// matches ErrInvalid with a short message, that a data path keeps its
// keys, and that every other path it takes has, in every event, the value
// MarshalJSON writes there.
func FuzzParsePath(f *testing.F) {
	for _, path := range envelopePaths {
		f.Add(path)
	}
	for _, path := range []string{
		"metadata.labels.a.b", "metadata.labels.program", "metadata.labels.html", "metadata.labels..",
		"metadata.labels.metadata.labels.x", "metadata.labels", "metadata.label.x", "data", "data.a.0",
		"data..a", "data.", "data.data", "data.\u2028\xff", "user.name", "", ".", "Data.a", " data.a",
		"metadata.isAuthorized.owner.x", "data." + strings.Repeat("a.", 300) + "z", strings.Repeat("\n", 300),
	} {
		f.Add(path)
	}
	events := pathEvents()
	f.Fuzz(func(t *testing.T, path string) {
		p, err := match.ParsePath(path)
		if err != nil {
			assertRefused(t, err)
			return
		}
		if keys, ok := p.DataPath(); ok {
			if got := strings.Join(append([]string{"data"}, keys...), "."); got != path {
				t.Fatalf("the data path %q has the keys %q", path, keys)
			}
			return
		}
		keys := strings.Split(path, ".")
		if label, ok := strings.CutPrefix(path, "metadata.labels."); ok {
			keys = []string{"metadata", "labels", label}
		}
		for _, name := range []string{"full", "odd", "anonymous", "zero"} {
			e := events[name]
			assertValueAt(t, &e, path, keys)
		}
	})
}
