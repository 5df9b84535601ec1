package herald

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/herald-go/herald/internal/excerpt"
)

// MarshalJSON encodes e as wolkenkit's event envelope, compact, with the
// fields always in this order:
//
//	{"context":{"name":"communication"},
//	 "aggregate":{"name":"message","id":"0b866be9-f83c-4501-a54f-fa3facb582c5"},
//	 "name":"sent","id":"4c99d051-a526-4526-9cca-34f92a6c8c9d","type":"domain",
//	 "data":{"text":"hey, how are you?"},"user":{"id":"jane.doe@example.com"},
//	 "metadata":{"timestamp":1421260133331,"position":42,"revision":3,
//	  "causationId":"0ff228c1-…","correlationId":"0ff228c1-…",
//	  "labels":{"program":"support"},
//	  "isAuthorized":{"owner":"jane.doe@example.com","forAuthenticated":true,"forPublic":false}}}
//
// An empty Type is written as "domain", a nil User as "user":null, the
// timestamp in Unix milliseconds (anything finer is dropped). Position,
// revision and the causation and correlation ids are always written, the
// ids as lowercase uuids (the nil uuid when unset). Labels are sorted by key and
// left out when empty; isAuthorized is left out when Authorization is nil.
// Data is encoded with encoding/json (null when nil); a json.RawMessage is
// embedded compacted and must be valid JSON. Data that cannot be encoded is
// an error matching [ErrInvalid].
func (e Event) MarshalJSON() ([]byte, error) {
	data, raw, err := envelopeData(e.Data)
	if err != nil {
		return nil, envelopeError("encode", "data", err)
	}
	b := make([]byte, 0, envelopeSize(&e, len(data)))
	b = appendEnvelopeHead(b, &e)
	b = append(b, `,"data":`...)
	if b, err = appendEnvelopeData(b, data, raw); err != nil {
		return nil, envelopeError("encode", "data", err)
	}
	b = appendEnvelopeUser(b, e.User)
	b = appendEnvelopeMetadata(b, &e.Metadata)
	return append(b, '}'), nil
}

// UnmarshalJSON decodes wolkenkit's event envelope, the shape MarshalJSON
// writes, into e. The timestamp may be a number of Unix milliseconds or an
// RFC 3339 string (fractional seconds allowed); either way it becomes a UTC
// time.Time truncated to the millisecond. Data is kept as a
// json.RawMessage, to be decoded into its Go type later ([Registry.Decode]); it
// is nil when data is null or missing. "user": null gives a nil User.
// Missing fields, and an empty uuid string, leave zero values; an empty
// labels object gives nil Labels; unknown fields are ignored. Invalid JSON,
// a malformed uuid or a value of the wrong type is an error that matches
// ErrInvalid and names the field, such as
// "herald: decode event: metadata.timestamp: …"; errors.As finds its
// *ValidationError. A message quotes a short prefix of a bad value, never
// the whole. As encoding/json's convention wants, a
// JSON null leaves e unchanged. A nil e is an error matching ErrInvalid.
func (e *Event) UnmarshalJSON(b []byte) error {
	if e == nil {
		return wrap(nilEvent())
	}
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	var w envelopeWire
	if err := json.Unmarshal(b, &w); err != nil {
		return envelopeJSONError(err)
	}
	ev, err := w.event()
	if err != nil {
		return err
	}
	*e = ev
	return nil
}

// envelopeFixedSize is about what the envelope's keys, punctuation, four
// uuids and three numbers take.
const envelopeFixedSize = 400

// envelopeSize estimates the encoded size of e with data of n bytes, so
// that MarshalJSON allocates its buffer once in the common case.
func envelopeSize(e *Event, n int) int {
	size := envelopeFixedSize + n + len(e.Aggregate.Context) + len(e.Aggregate.Name) +
		len(e.Name) + len(e.Type)
	if e.User != nil {
		size += len(e.User.ID)
	}
	for k, v := range e.Metadata.Labels {
		size += len(k) + len(v) + 6
	}
	if a := e.Metadata.Authorization; a != nil {
		size += len(a.Owner) + 64
	}
	return size
}

// appendEnvelopeHead appends everything up to the data: context, aggregate,
// name, id and type.
func appendEnvelopeHead(b []byte, e *Event) []byte {
	b = append(b, `{"context":{"name":`...)
	b = appendEnvelopeString(b, e.Aggregate.Context)
	b = append(b, `},"aggregate":{"name":`...)
	b = appendEnvelopeString(b, e.Aggregate.Name)
	b = append(b, `,"id":`...)
	b = appendEnvelopeUUID(b, e.Aggregate.ID)
	b = append(b, `},"name":`...)
	b = appendEnvelopeString(b, e.Name)
	b = append(b, `,"id":`...)
	b = appendEnvelopeUUID(b, e.ID)
	b = append(b, `,"type":`...)
	typ := e.Type
	if typ == "" {
		typ = TypeDomain
	}
	return appendEnvelopeString(b, typ)
}

// envelopeData returns the JSON of data, and whether it is a caller's
// json.RawMessage that still has to be checked and compacted.
func envelopeData(data any) (b []byte, raw bool, err error) {
	switch d := data.(type) {
	case nil:
		return nil, false, nil
	case json.RawMessage:
		return d, d != nil, nil
	}
	b, err = json.Marshal(data)
	return b, false, err
}

// appendEnvelopeData appends data as envelopeData returned it: null when
// nil, compacted and checked when raw.
func appendEnvelopeData(b, data []byte, raw bool) ([]byte, error) {
	switch {
	case data == nil:
		return append(b, "null"...), nil
	case !raw:
		return append(b, data...), nil
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func appendEnvelopeUser(b []byte, u *User) []byte {
	if u == nil {
		return append(b, `,"user":null`...)
	}
	b = append(b, `,"user":{"id":`...)
	b = appendEnvelopeString(b, u.ID)
	return append(b, '}')
}

func appendEnvelopeMetadata(b []byte, m *Metadata) []byte {
	b = append(b, `,"metadata":{"timestamp":`...)
	b = strconv.AppendInt(b, m.Timestamp.UnixMilli(), 10)
	b = append(b, `,"position":`...)
	b = strconv.AppendUint(b, m.Position, 10)
	b = append(b, `,"revision":`...)
	b = strconv.AppendUint(b, m.Revision, 10)
	b = append(b, `,"causationId":`...)
	b = appendEnvelopeUUID(b, m.CausationID)
	b = append(b, `,"correlationId":`...)
	b = appendEnvelopeUUID(b, m.CorrelationID)
	if len(m.Labels) > 0 {
		b = appendEnvelopeLabels(b, m.Labels)
	}
	if a := m.Authorization; a != nil {
		b = append(b, `,"isAuthorized":{"owner":`...)
		b = appendEnvelopeString(b, a.Owner)
		b = append(b, `,"forAuthenticated":`...)
		b = strconv.AppendBool(b, a.ForAuthenticated)
		b = append(b, `,"forPublic":`...)
		b = strconv.AppendBool(b, a.ForPublic)
		b = append(b, '}')
	}
	if m.Redacted {
		b = append(b, `,"redacted":true`...)
	}
	return append(b, '}')
}

// appendEnvelopeLabels appends the labels with their keys sorted, so that
// equal events encode to equal bytes.
func appendEnvelopeLabels(b []byte, labels map[string]string) []byte {
	var small [8]string
	keys := small[:0]
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, `,"labels":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEnvelopeString(b, k)
		b = append(b, ':')
		b = appendEnvelopeString(b, labels[k])
	}
	return append(b, '}')
}

const envelopeHex = "0123456789abcdef"

// appendEnvelopeUUID appends u quoted, in lowercase with dashes.
func appendEnvelopeUUID(b []byte, u uuid.UUID) []byte {
	n := len(b)
	b = append(b, `"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"`...)
	d := b[n+1 : n+37]
	hex.Encode(d[0:8], u[0:4])
	hex.Encode(d[9:13], u[4:6])
	hex.Encode(d[14:18], u[6:8])
	hex.Encode(d[19:23], u[8:10])
	hex.Encode(d[24:36], u[10:16])
	return b
}

// appendEnvelopeString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping off: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped for JavaScript's sake.
func appendEnvelopeString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = appendEnvelopeEscape(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), `\u202`...)
			b = append(b, envelopeHex[r&0xf])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEnvelopeEscape appends the escape of an ASCII byte that JSON
// strings cannot hold as is.
func appendEnvelopeEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\b':
		return append(b, `\b`...)
	case '\f':
		return append(b, `\f`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	case '\t':
		return append(b, `\t`...)
	}
	return append(b, '\\', 'u', '0', '0', envelopeHex[c>>4], envelopeHex[c&0xf])
}

// envelopeWire mirrors the envelope for decoding. User and IsAuthorized
// convert to *User and *Authorization, so the types must keep their fields
// alike.
type envelopeWire struct {
	Context struct {
		Name string `json:"name"`
	} `json:"context"`
	Aggregate struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"aggregate"`
	Name string          `json:"name"`
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
	User *struct {
		ID string `json:"id"`
	} `json:"user"`
	Metadata struct {
		Timestamp     json.RawMessage   `json:"timestamp"`
		Position      uint64            `json:"position"`
		Revision      uint64            `json:"revision"`
		CausationID   string            `json:"causationId"`
		CorrelationID string            `json:"correlationId"`
		Labels        map[string]string `json:"labels"`
		IsAuthorized  *struct {
			Owner            string `json:"owner"`
			ForAuthenticated bool   `json:"forAuthenticated"`
			ForPublic        bool   `json:"forPublic"`
		} `json:"isAuthorized"`
		Redacted bool `json:"redacted"`
	} `json:"metadata"`
}

// event builds the Event, parsing the uuids and the timestamp.
func (w *envelopeWire) event() (Event, error) {
	m := &w.Metadata
	e := Event{
		Aggregate: AggregateRef{Context: w.Context.Name, Name: w.Aggregate.Name},
		Name:      w.Name,
		Type:      w.Type,
		User:      (*User)(w.User),
		Metadata: Metadata{
			Position:      m.Position,
			Revision:      m.Revision,
			Authorization: (*Authorization)(m.IsAuthorized),
			Redacted:      m.Redacted,
		},
	}
	if len(w.Data) > 0 && string(w.Data) != "null" {
		e.Data = w.Data
	}
	if len(m.Labels) > 0 {
		e.Metadata.Labels = m.Labels
	}
	var errs [5]error
	e.Aggregate.ID, errs[0] = parseEnvelopeUUID("aggregate.id", w.Aggregate.ID)
	e.ID, errs[1] = parseEnvelopeUUID("id", w.ID)
	e.Metadata.Timestamp, errs[2] = parseEnvelopeTime(m.Timestamp)
	e.Metadata.CausationID, errs[3] = parseEnvelopeUUID("metadata.causationId", m.CausationID)
	e.Metadata.CorrelationID, errs[4] = parseEnvelopeUUID("metadata.correlationId", m.CorrelationID)
	if err := errors.Join(errs[:]...); err != nil {
		return Event{}, err
	}
	return e, nil
}

// parseEnvelopeUUID parses a uuid in its 36-character form, in either case.
// An empty string is the nil uuid.
func parseEnvelopeUUID(field, s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	if len(s) != 36 {
		return uuid.Nil, envelopeError("decode", field, errors.New("want a uuid such as "+
			"0b866be9-f83c-4501-a54f-fa3facb582c5, got "+excerpt.Quote(s)))
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, envelopeError("decode", field, err)
	}
	return u, nil
}

// parseEnvelopeTime parses the timestamp, Unix milliseconds or RFC 3339,
// into UTC, truncated to the millisecond.
func parseEnvelopeTime(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		var t time.Time
		if err == nil {
			t, err = time.Parse(time.RFC3339Nano, s)
		}
		if err != nil {
			// time.Parse's error quotes the whole string, twice.
			return time.Time{}, envelopeError("decode", "metadata.timestamp", errors.New(excerpt.Text(err.Error())))
		}
		return time.UnixMilli(t.UnixMilli()).UTC(), nil
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		// raw is valid JSON: compact, it is one line.
		var got bytes.Buffer
		_ = json.Compact(&got, raw)
		return time.Time{}, envelopeError("decode", "metadata.timestamp", errors.New(
			"want integer Unix milliseconds or an RFC 3339 string, got "+excerpt.Text(got.String())))
	}
	return time.UnixMilli(ms).UTC(), nil
}

// envelopeJSONError turns an error of encoding/json into one that names
// the field.
func envelopeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		// Value is "number " and the number whole, for a number.
		reason := "want " + envelopeJSONKind(te.Type) + ", got " + excerpt.Text(te.Value)
		return envelopeError("decode", te.Field, errors.New(reason))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		reason := "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10) + ": " + se.Error()
		return envelopeError("decode", "", errors.New(reason))
	}
	return envelopeError("decode", "", err)
}

// envelopeJSONKind names the JSON value that a Go type of the mirror takes.
func envelopeJSONKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Uint64:
		return "a non-negative integer"
	}
	return "an object"
}

// envelopeCodecError is the error of MarshalJSON and UnmarshalJSON:
// "herald: decode event: metadata.timestamp: …". It matches ErrInvalid and
// errors.As finds a *ValidationError with the same field in it.
type envelopeCodecError struct {
	op    string // "encode" or "decode"
	field string // "" when the error is not about one field
	err   error
}

func envelopeError(op, field string, err error) error {
	return &envelopeCodecError{op: op, field: field, err: err}
}

func (e *envelopeCodecError) Error() string {
	msg := "herald: " + e.op + " event: "
	if e.field != "" {
		msg += e.field + ": "
	}
	return msg + e.err.Error() + ": " + ErrInvalid.Error()
}

func (e *envelopeCodecError) Unwrap() error { return e.err }

func (e *envelopeCodecError) Is(target error) bool { return target == ErrInvalid }

func (e *envelopeCodecError) As(target any) bool {
	v, ok := target.(**ValidationError)
	if ok {
		*v = &ValidationError{Field: e.field, Reason: e.err.Error(), Err: e.err}
	}
	return ok
}
