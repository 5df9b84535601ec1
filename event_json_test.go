package herald_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// envelopeText is the payload of the events in these tests.
type envelopeText struct {
	Text string `json:"text"`
}

// fullEnvelopeEvent is wolkenkit's example event with every field set.
func fullEnvelopeEvent() herald.Event {
	cause := uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e")
	return herald.Event{
		Aggregate: herald.AggregateRef{
			Context: "communication",
			Name:    "message",
			ID:      uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5"),
		},
		Name: "sent",
		ID:   uuid.MustParse("4c99d051-a526-4526-9cca-34f92a6c8c9d"),
		Data: envelopeText{Text: "hey, how are you?"},
		User: &herald.User{ID: "jane.doe@example.com"},
		Metadata: herald.Metadata{
			Timestamp:     time.UnixMilli(1421260133331).UTC(),
			Position:      42,
			Revision:      3,
			CausationID:   cause,
			CorrelationID: cause,
			Labels:        map[string]string{"program": "support", "priority": "high"},
			Authorization: &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true},
		},
	}
}

// anonymousEnvelopeEvent has no user, labels or authorization, and raw
// data that is not compact.
func anonymousEnvelopeEvent() herald.Event {
	id := uuid.MustParse("7d2b2bd4-3c6e-4a8b-9e0f-1a2b3c4d5e6f")
	return herald.Event{
		Aggregate: herald.AggregateRef{
			Context: "communication",
			Name:    "message",
			ID:      uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5"),
		},
		Name: "liked",
		ID:   id,
		Data: json.RawMessage("{ \"likes\": 1,\n  \"by\": [] }"),
		Metadata: herald.Metadata{
			Timestamp:     time.UnixMilli(1421260200000).UTC(),
			Position:      43,
			Revision:      4,
			CausationID:   id,
			CorrelationID: id,
		},
	}
}

var envelopeGoldenFiles = []struct {
	name  string
	file  string
	event func() herald.Event
}{
	{"full", "event.golden.json", fullEnvelopeEvent},
	{"anonymous", "event_anonymous.golden.json", anonymousEnvelopeEvent},
}

func TestEventMarshalGolden(t *testing.T) {
	for _, tc := range envelopeGoldenFiles {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.event().MarshalJSON()
			require.NoError(t, err)
			assertGolden(t, tc.file, got)

			var indented bytes.Buffer
			require.NoError(t, json.Indent(&indented, got, "", "  "))
			indented.WriteByte('\n')
			assertGolden(t, strings.Replace(tc.file, ".golden.", ".indented.golden.", 1), indented.Bytes())

			viaEncodingJSON, err := json.Marshal(tc.event())
			require.NoError(t, err)
			assert.Equal(t, string(got), string(viaEncodingJSON), "json.Marshal gives the same bytes")
		})
	}
}

// assertGolden compares got with testdata/name byte for byte, or rewrites
// the file when the test runs with -update.
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestEventMarshalGolden -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestEventMarshalRules(t *testing.T) {
	e := anonymousEnvelopeEvent()
	e.Data = nil
	e.Metadata.Labels = map[string]string{}
	b, err := e.MarshalJSON()
	require.NoError(t, err)

	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, "domain", got["type"], "an empty type is domain")
	assert.Nil(t, got["data"], "nil data is null")
	assert.Contains(t, got, "data")
	assert.Nil(t, got["user"], "a nil user is null")
	assert.Contains(t, got, "user")
	metadata := got["metadata"].(map[string]any)
	assert.NotContains(t, metadata, "labels", "empty labels are left out")
	assert.NotContains(t, metadata, "isAuthorized", "no block means public")

	e.Type = herald.TypeReadModel
	e.Metadata = herald.Metadata{}
	b, err = e.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"readModel"`)
	assert.Contains(t, string(b), `"position":0,"revision":0,`+
		`"causationId":"00000000-0000-0000-0000-000000000000",`+
		`"correlationId":"00000000-0000-0000-0000-000000000000"}`)
}

func TestEventMarshalTimestampIsUTCMilliseconds(t *testing.T) {
	e := fullEnvelopeEvent()
	berlin := time.FixedZone("CET", 3600)
	e.Metadata.Timestamp = time.Date(2015, 1, 14, 19, 28, 53, 331_999_999, berlin)
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"timestamp":1421260133331,`)
}

// envelopeReference encodes the envelope with encoding/json, to check the
// hand-written encoder's escaping and order against.
type envelopeReference struct {
	Context struct {
		Name string `json:"name"`
	} `json:"context"`
	Aggregate struct {
		Name string    `json:"name"`
		ID   uuid.UUID `json:"id"`
	} `json:"aggregate"`
	Name string          `json:"name"`
	ID   uuid.UUID       `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
	User *struct {
		ID string `json:"id"`
	} `json:"user"`
	Metadata struct {
		Timestamp     int64             `json:"timestamp"`
		Position      uint64            `json:"position"`
		Revision      uint64            `json:"revision"`
		CausationID   uuid.UUID         `json:"causationId"`
		CorrelationID uuid.UUID         `json:"correlationId"`
		Labels        map[string]string `json:"labels,omitempty"`
		IsAuthorized  *struct {
			Owner            string `json:"owner"`
			ForAuthenticated bool   `json:"forAuthenticated"`
			ForPublic        bool   `json:"forPublic"`
		} `json:"isAuthorized,omitempty"`
	} `json:"metadata"`
}

func encodeEnvelopeReference(t testing.TB, e herald.Event) []byte {
	var r envelopeReference
	r.Context.Name = e.Aggregate.Context
	r.Aggregate.Name, r.Aggregate.ID = e.Aggregate.Name, e.Aggregate.ID
	r.Name, r.ID, r.Type = e.Name, e.ID, e.Type
	data, err := json.Marshal(e.Data)
	require.NoError(t, err)
	r.Data = data
	r.User = (*struct {
		ID string `json:"id"`
	})(e.User)
	m := e.Metadata
	r.Metadata.Timestamp, r.Metadata.Position, r.Metadata.Revision = m.Timestamp.UnixMilli(), m.Position, m.Revision
	r.Metadata.CausationID, r.Metadata.CorrelationID, r.Metadata.Labels = m.CausationID, m.CorrelationID, m.Labels
	r.Metadata.IsAuthorized = (*struct {
		Owner            string `json:"owner"`
		ForAuthenticated bool   `json:"forAuthenticated"`
		ForPublic        bool   `json:"forPublic"`
	})(m.Authorization)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(r))
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestEventMarshalEscapesStringsAsEncodingJSON(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " and backslash \`, "tab\tnewline\nreturn\r",
		"control \x00\x01\x08\x0c\x1f\x7f", "html <a href='x'>&amp;</a>",
		"unicode äöü ß 日本 🎉", "line separators \u2028 \u2029",
		"invalid utf-8 \xff\xfe and truncated \xe6\x97", "\xed\xa0\x80 surrogate",
	} {
		t.Run(s, func(t *testing.T) {
			e := fullEnvelopeEvent()
			e.Aggregate.Context, e.Aggregate.Name, e.Name, e.Type = s, s, s, s+"type"
			e.User.ID, e.Metadata.Authorization.Owner = s, s
			e.Metadata.Labels = map[string]string{s: s, "a" + s: "b" + s}
			got, err := e.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, string(encodeEnvelopeReference(t, e)), string(got))
		})
	}
}

func TestEventMarshalDataErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data any
	}{
		{"invalid raw message", json.RawMessage(`{"text":`)},
		{"raw message with trailing text", json.RawMessage(`{} x`)},
		{"empty raw message", json.RawMessage{}},
		{"unsupported type", make(chan int)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := fullEnvelopeEvent()
			e.Data = tc.data
			b, err := e.MarshalJSON()
			require.Error(t, err)
			assert.Nil(t, b)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.True(t, strings.HasPrefix(err.Error(), "herald: encode event: data: "), err.Error())
			var ve *herald.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "data", ve.Field)
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*3600)
	for _, tc := range []struct {
		name  string
		event func() herald.Event
	}{
		{"full", fullEnvelopeEvent},
		{"anonymous", anonymousEnvelopeEvent},
		{"zero", func() herald.Event { return herald.Event{} }},
		{"read model with null data", func() herald.Event {
			e := fullEnvelopeEvent()
			e.Type, e.Data = herald.TypeReadModel, nil
			return e
		}},
		{"empty authorization and user id", func() herald.Event {
			e := fullEnvelopeEvent()
			e.User = &herald.User{}
			e.Metadata.Authorization = &herald.Authorization{ForPublic: true}
			return e
		}},
		{"timestamp in another zone before 1970", func() herald.Event {
			e := fullEnvelopeEvent()
			e.Metadata.Timestamp = time.Date(1969, 7, 20, 22, 56, 15, 123_000_000, zone)
			return e
		}},
		{"escapes", func() herald.Event {
			e := fullEnvelopeEvent()
			e.Name = "s\"e\\n\tt \u2028 日本"
			e.Metadata.Labels = map[string]string{"k\x00": "v\n", "é": "<&>"}
			e.Metadata.Position, e.Metadata.Revision = 1<<64-1, 1<<53+1
			return e
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.event().MarshalJSON()
			require.NoError(t, err)
			var got herald.Event
			require.NoError(t, json.Unmarshal(b, &got))
			assertSameEvent(t, tc.event(), got)
		})
	}
}

// assertSameEvent asserts that got, decoded, is the event want: an empty
// type comes back as "domain", the timestamp in UTC and milliseconds, and
// the data as JSON.
func assertSameEvent(t *testing.T, want, got herald.Event) {
	t.Helper()
	if want.Type == "" {
		want.Type = herald.TypeDomain
	}
	want.Metadata.Timestamp = time.UnixMilli(want.Metadata.Timestamp.UnixMilli()).UTC()
	if want.Data == nil {
		assert.Nil(t, got.Data)
	} else {
		wantData, err := json.Marshal(want.Data)
		require.NoError(t, err)
		require.IsType(t, json.RawMessage{}, got.Data)
		assert.JSONEq(t, string(wantData), string(got.Data.(json.RawMessage)))
	}
	want.Data, got.Data = nil, nil
	assert.Equal(t, want, got)
}

func TestEventUnmarshalTimestamp(t *testing.T) {
	ms := func(v int64) time.Time { return time.UnixMilli(v).UTC() }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`1421260133331`, ms(1421260133331)},
		{`0`, ms(0)},
		{`-1`, ms(-1)},
		{`"2015-01-14T18:28:53.331Z"`, ms(1421260133331)},
		{`"2015-01-14T19:28:53.331+01:00"`, ms(1421260133331)},
		{`"2015-01-14T18:28:53Z"`, ms(1421260133000)},
		{`"2015-01-14T18:28:53.3319999Z"`, ms(1421260133331)},
		{`"2015-01-14T18:28:53.3Z"`, ms(1421260133300)},
		{`"1969-12-31T23:59:59.9995Z"`, ms(-1)},
		{`"2015-01-14T18:28:53.331\u005a"`, ms(1421260133331)},
		{`null`, time.Time{}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			var e herald.Event
			require.NoError(t, json.Unmarshal([]byte(`{"metadata":{"timestamp":`+tc.in+`}}`), &e))
			assert.Equal(t, tc.want, e.Metadata.Timestamp)
			assert.Equal(t, time.UTC, e.Metadata.Timestamp.Location())
		})
	}
}

func TestEventUnmarshalDefaults(t *testing.T) {
	var e herald.Event
	require.NoError(t, json.Unmarshal([]byte(`{"name":"sent","unknown":{"x":[1,2]},"metadata":{"later":true}}`), &e))
	assert.Equal(t, herald.Event{Name: "sent"}, e, "missing fields are zero, unknown ones ignored")

	in := `{"type":"readModel","data":null,"user":null,"metadata":{"labels":{},"isAuthorized":null}}`
	require.NoError(t, json.Unmarshal([]byte(in), &e))
	assert.Equal(t, herald.Event{Type: herald.TypeReadModel}, e, "nulls and empty labels are nil")

	require.NoError(t, json.Unmarshal([]byte(`{"user":{},"metadata":{"isAuthorized":{}}}`), &e))
	assert.Equal(t, &herald.User{}, e.User)
	assert.Equal(t, &herald.Authorization{}, e.Metadata.Authorization)

	require.NoError(t, json.Unmarshal([]byte(`{"data":[1, 2]}`), &e))
	assert.Equal(t, json.RawMessage(`[1, 2]`), e.Data, "data stays raw")

	e = fullEnvelopeEvent()
	require.NoError(t, e.UnmarshalJSON([]byte(" null ")))
	assert.Equal(t, fullEnvelopeEvent(), e, "null leaves the event as it was")

	require.NoError(t, e.UnmarshalJSON([]byte(`{"id":"4C99D051-A526-4526-9CCA-34F92A6C8C9D"}`)))
	assert.Equal(t, herald.Event{ID: uuid.MustParse("4c99d051-a526-4526-9cca-34f92a6c8c9d")}, e,
		"decoding replaces the whole event; uuids may be uppercase")
}

// envelopeDecodeErrors are inputs that do not decode, with the field the
// error names ("" for none) and a part of its message.
var envelopeDecodeErrors = []struct {
	name, in, field, reason string
}{
	{"truncated", `{"name":"sent"`, "", "invalid JSON"},
	{"trailing text", `{} {}`, "", "invalid JSON"},
	{"not JSON", `sent`, "", "invalid JSON"},
	{"empty", ``, "", "invalid JSON"},
	{"not an object", `["sent"]`, "", "want an object, got array"},
	{"context", `{"context":"communication"}`, "context", "want an object, got string"},
	{"context name", `{"context":{"name":1}}`, "context.name", "want a string, got number"},
	{"aggregate", `{"aggregate":[]}`, "aggregate", "want an object, got array"},
	{"aggregate name", `{"aggregate":{"name":true}}`, "aggregate.name", "want a string, got bool"},
	{"aggregate id short", `{"aggregate":{"id":"0b866be9"}}`, "aggregate.id", "want a uuid"},
	{"aggregate id not hex", `{"aggregate":{"id":"0b866be9-f83c-4501-a54f-fa3facb582cg"}}`, "aggregate.id", "invalid"},
	{"aggregate id number", `{"aggregate":{"id":7}}`, "aggregate.id", "want a string, got number"},
	{"name", `{"name":["sent"]}`, "name", "want a string, got array"},
	{"id in braces", `{"id":"{4c99d051-a526-4526-9cca-34f92a6c8c9d}"}`, "id", "want a uuid"},
	{"id as urn", `{"id":"urn:uuid:4c99d051-a526-4526-9cca-34f92a6c8c9d"}`, "id", "want a uuid"},
	{"id without dashes", `{"id":"4c99d051a52645269cca34f92a6c8c9d"}`, "id", "want a uuid"},
	{"id dashes misplaced", `{"id":"4c99d051a-526-4526-9cca-34f92a6c8c9d"}`, "id", "invalid"},
	{"type", `{"type":1}`, "type", "want a string, got number"},
	{"user", `{"user":"jane.doe@example.com"}`, "user", "want an object, got string"},
	{"user id", `{"user":{"id":7}}`, "user.id", "want a string, got number"},
	{"metadata", `{"metadata":[]}`, "metadata", "want an object, got array"},
	{"timestamp bool", `{"metadata":{"timestamp":true}}`, "metadata.timestamp", "got true"},
	{"timestamp object", `{"metadata":{"timestamp":{}}}`, "metadata.timestamp", "got {}"},
	{"timestamp fraction", `{"metadata":{"timestamp":1421260133331.5}}`, "metadata.timestamp", "milliseconds"},
	{"timestamp exponent", `{"metadata":{"timestamp":1.4e12}}`, "metadata.timestamp", "milliseconds"},
	{"timestamp overflow", `{"metadata":{"timestamp":99999999999999999999}}`, "metadata.timestamp", "milliseconds"},
	{"timestamp text", `{"metadata":{"timestamp":"yesterday"}}`, "metadata.timestamp", "parsing time"},
	{"timestamp without zone", `{"metadata":{"timestamp":"2015-01-14T18:28:53.331"}}`, "metadata.timestamp", "parsing time"},
	{"timestamp empty", `{"metadata":{"timestamp":""}}`, "metadata.timestamp", "parsing time"},
	{"position negative", `{"metadata":{"position":-1}}`, "metadata.position", "want a non-negative integer, got number -1"},
	{"position fraction", `{"metadata":{"position":4.2}}`, "metadata.position", "got number 4.2"},
	{"position string", `{"metadata":{"position":"42"}}`, "metadata.position", "got string"},
	{"revision overflow", `{"metadata":{"revision":18446744073709551616}}`, "metadata.revision", "got number"},
	{"causation id", `{"metadata":{"causationId":"nope"}}`, "metadata.causationId", "want a uuid"},
	{"correlation id", `{"metadata":{"correlationId":"0FF228C1-E9A5-47A6-9B96-A0767082B61X"}}`, "metadata.correlationId", "invalid"},
	{"labels", `{"metadata":{"labels":["support"]}}`, "metadata.labels", "want an object, got array"},
	{"label value", `{"metadata":{"labels":{"program":1}}}`, "metadata.labels", "want a string, got number"},
	{"authorization", `{"metadata":{"isAuthorized":true}}`, "metadata.isAuthorized", "want an object, got bool"},
	{"owner", `{"metadata":{"isAuthorized":{"owner":1}}}`, "metadata.isAuthorized.owner", "want a string"},
	{"for authenticated", `{"metadata":{"isAuthorized":{"forAuthenticated":"true"}}}`,
		"metadata.isAuthorized.forAuthenticated", "want a boolean, got string"},
	{"for public", `{"metadata":{"isAuthorized":{"forPublic":0}}}`, "metadata.isAuthorized.forPublic", "want a boolean"},
}

func TestEventUnmarshalErrors(t *testing.T) {
	for _, tc := range envelopeDecodeErrors {
		t.Run(tc.name, func(t *testing.T) {
			e := fullEnvelopeEvent()
			err := e.UnmarshalJSON([]byte(tc.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			prefix := "herald: decode event: "
			if tc.field != "" {
				prefix += tc.field + ": "
			}
			assert.True(t, strings.HasPrefix(err.Error(), prefix), "%q does not start with %q", err, prefix)
			assert.Contains(t, err.Error(), tc.reason)
			var ve *herald.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.Equal(t, fullEnvelopeEvent(), e, "a failed decode leaves the event as it was")
		})
	}
}

func TestEventUnmarshalJoinsUUIDErrors(t *testing.T) {
	var e herald.Event
	err := e.UnmarshalJSON([]byte(`{"id":"x","metadata":{"causationId":"y"}}`))
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "herald: decode event: id: ")
	assert.Contains(t, err.Error(), "herald: decode event: metadata.causationId: ")
}

// A huge bad value gets an error that quotes a short prefix of it, never
// the whole.
func TestEventUnmarshalQuotesShortPrefix(t *testing.T) {
	huge := strings.Repeat("9x", 450_000) // 900 KB
	digits := strings.Repeat("9", 900_000)
	for name, tc := range map[string]struct{ in, field string }{
		"an id":                     {`{"id":"` + huge + `"}`, "id"},
		"a timestamp string":        {`{"metadata":{"timestamp":"` + huge + `"}}`, "metadata.timestamp"},
		"a timestamp number":        {`{"metadata":{"timestamp":` + digits + `}}`, "metadata.timestamp"},
		"a timestamp object":        {`{"metadata":{"timestamp":{"a":"` + huge + `",` + "\n" + `"b":1}}}`, "metadata.timestamp"},
		"a position":                {`{"metadata":{"position":` + digits + `}}`, "metadata.position"},
		"a revision below zero":     {`{"metadata":{"revision":-` + digits + `}}`, "metadata.revision"},
		"a number for a string":     {`{"name":` + digits + `}`, "name"},
		"a correlation id":          {`{"metadata":{"correlationId":"` + huge + `"}}`, "metadata.correlationId"},
		"a label of the wrong type": {`{"metadata":{"labels":{"` + huge + `":` + digits + `}}}`, "metadata.labels"},
	} {
		t.Run(name, func(t *testing.T) {
			var e herald.Event
			err := e.UnmarshalJSON([]byte(tc.in))
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Less(t, len(err.Error()), 512, "the error quotes a short prefix: %.200s", err)
			assert.NotContains(t, err.Error(), "\n", "the error is one line")
			assert.Contains(t, err.Error(), "herald: decode event: "+tc.field+": ")
		})
	}
}

func FuzzEventUnmarshal(f *testing.F) {
	for _, tc := range envelopeDecodeErrors {
		f.Add([]byte(tc.in))
	}
	for _, g := range envelopeGoldenFiles {
		b, err := os.ReadFile(filepath.Join("testdata", g.file))
		require.NoError(f, err)
		f.Add(b)
	}
	long := strings.Repeat(`9\n`, 300)
	for _, in := range []string{`null`, " \tnull\n", `{}`, `{"metadata":{"timestamp":"2015-01-14T19:28:53.3319+01:00"}}`,
		`{"data":{ "a" : [1, 2.50, "\u00e9"] },"metadata":{"labels":{}}}`, `{"name":"\ud800\u0000\"","type":""}`,
		`{"data":null,"user":null,"metadata":{"timestamp":null,"isAuthorized":null}}`, `{"data": null }`,
		`{"data":"\u2028` + "\xff\u2029" + `<&>","user":{},"metadata":{"isAuthorized":{},"labels":{"":"","a":"1","a":"2"}}}`,
		`{"metadata":{"timestamp":-9223372036854775808,"position":18446744073709551615,"revision":0}}`,
		`{"metadata":{"timestamp":"0000-01-01T00:00:00Z"}}`, `{"metadata":{"version":1}}`, `{"metadata":{"version":2147483648}}`,
		`{"id":"x","aggregate":{"id":"y"},"metadata":{"timestamp":"z","causationId":"q","correlationId":"r","version":-1}}`, `{"metadata":{"timestamp":"9999-12-31T23:59:59.9999999-23:59"}}`,
		`{"id":"4C99D051-A526-4526-9CCA-34F92A6C8C9D","aggregate":{"id":"00000000-0000-0000-0000-000000000000"}}`,
		`{"Name":"sent","NAME":"x","unknown":{"deep":[[]]},"context":{"name":"a.b"}}`,
		`{"id":"` + long + `"}`, `{"metadata":{"timestamp":"` + long + `"}}`, `{"metadata":{"timestamp":` + strings.Repeat("9", 600) + `}}`,
		`{"metadata":{"timestamp":["` + long + `"]}}`, `{"metadata":{"position":-` + strings.Repeat("9", 600) + `}}`,
		`{"id":"x","aggregate":{"id":"y"},"metadata":{"timestamp":"z","causationId":"` + long + `","correlationId":"` + long + `"}}`,
	} {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var first herald.Event
		if err := first.UnmarshalJSON(in); err != nil {
			require.ErrorIs(t, err, herald.ErrInvalid)
			// errors.Join puts one error a line: one a field, at most six.
			lines := strings.Split(err.Error(), "\n")
			require.LessOrEqual(t, len(lines), 6, "%.1000q", err)
			for _, line := range lines {
				require.Less(t, len(line), 512, "an error quotes a short prefix: %.1000q", err)
			}
			return
		}
		b, err := first.MarshalJSON()
		require.NoError(t, err)
		var second herald.Event
		require.NoError(t, second.UnmarshalJSON(b))
		assertSameDecodedEvent(t, first, second)
		again, err := second.MarshalJSON()
		require.NoError(t, err)
		require.Equal(t, string(b), string(again))
	})
}

// assertSameDecodedEvent asserts that two decoded events are equal, but
// for an empty type that became "domain" and data that became compact.
func assertSameDecodedEvent(t *testing.T, first, second herald.Event) {
	t.Helper()
	if first.Type == "" {
		first.Type = herald.TypeDomain
	}
	if first.Data != nil {
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, first.Data.(json.RawMessage)))
		first.Data = json.RawMessage(compact.Bytes())
	}
	require.Equal(t, first, second)
}

func BenchmarkEventMarshal(b *testing.B) {
	raw := fullEnvelopeEvent()
	raw.Data = json.RawMessage(`{"text":"hey, how are you?"}`)
	for _, bc := range []struct {
		name  string
		event herald.Event
		enc   func(testing.TB, herald.Event) ([]byte, error)
	}{
		{"data=struct", fullEnvelopeEvent(), marshalEnvelope},
		{"data=raw", raw, marshalEnvelope},
		{"reference=encoding/json", raw, func(b testing.TB, e herald.Event) ([]byte, error) {
			return encodeEnvelopeReference(b, e), nil
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.enc(b, bc.event); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func marshalEnvelope(_ testing.TB, e herald.Event) ([]byte, error) { return e.MarshalJSON() }

func BenchmarkEventUnmarshal(b *testing.B) {
	for _, g := range envelopeGoldenFiles {
		in, err := os.ReadFile(filepath.Join("testdata", g.file))
		require.NoError(b, err)
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var e herald.Event
				if err := e.UnmarshalJSON(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
