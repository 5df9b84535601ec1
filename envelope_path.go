package herald

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/herald-go/herald/internal/excerpt"
)

// EnvelopePath is a path in an event's envelope, in the JSON shape
// MarshalJSON writes: object keys joined by dots, such as "context.name",
// "aggregate.id", "metadata.revision", "metadata.labels.room" or
// "data.items.0.sku". Parse one with ParseEnvelopePath. The zero
// EnvelopePath is "data", the whole payload.
type EnvelopePath struct {
	field envelopeField
	key   string   // the label's key, for fieldLabel
	data  []string // the keys below data, for fieldData
}

// ParseEnvelopePath parses a path of the envelope. The paths are those
// MarshalJSON writes: "context", "context.name", "aggregate",
// "aggregate.name", "aggregate.id", "name", "id", "type", "data", "user",
// "user.id", "metadata", "metadata.timestamp", "metadata.position",
// "metadata.revision", "metadata.causationId", "metadata.correlationId",
// "metadata.labels", "metadata.isAuthorized" and its "owner",
// "forAuthenticated" and "forPublic"; then "metadata.labels.<key>", one
// label, its key taken whole, dots and all; and "data.<key>…", keys below
// the payload, which are not checked, the payload's shape being its own.
// Any other path, and a data path with an empty key, is an error matching
// ErrInvalid, which quotes a short prefix of the path.
func ParseEnvelopePath(path string) (EnvelopePath, error) {
	if f, ok := envelopeFieldsByPath[path]; ok {
		return EnvelopePath{field: f}, nil
	}
	if key, ok := strings.CutPrefix(path, "metadata.labels."); ok && key != "" {
		return EnvelopePath{field: fieldLabel, key: key}, nil
	}
	rest, ok := strings.CutPrefix(path, "data.")
	if !ok {
		return EnvelopePath{}, fmt.Errorf("%w: %s is not a path of the event envelope", ErrInvalid, excerpt.Quote(path))
	}
	keys := strings.Split(rest, ".")
	if slices.Contains(keys, "") {
		return EnvelopePath{}, fmt.Errorf("%w: %s has an empty segment", ErrInvalid, excerpt.Quote(path))
	}
	return EnvelopePath{field: fieldData, data: keys}, nil
}

// DataPath returns the keys p takes below data, such as ["items", "0",
// "sku"] for "data.items.0.sku" and none for "data", and whether p is in
// data at all. Whether a key names a field or indexes a list is for the
// reader of the payload to say.
func (p EnvelopePath) DataPath() ([]string, bool) {
	if p.field != fieldData {
		return nil, false
	}
	return slices.Clone(p.data), true
}

// Value returns the value MarshalJSON writes at p for e, and whether it
// writes one there: a string for a string or a uuid (lowercase), an int64
// for the timestamp in Unix milliseconds, a uint64 for the position and
// the revision, a bool for the authorization's flags, nil for the user of
// an anonymous event, and for an object a json.RawMessage holding the
// bytes MarshalJSON writes for it. Where MarshalJSON writes nothing, such
// as "user.id" of an anonymous event, a label the event does not have,
// "metadata.labels" when there are none and "metadata.isAuthorized" when
// Authorization is nil, Value returns nil and false. A path in data has no
// value here, and gives nil and false too: the payload is e.Data, to be
// read by the keys DataPath returns. A nil e has no value anywhere.
func (p EnvelopePath) Value(e *Event) (any, bool) {
	if e == nil {
		return nil, false
	}
	v := p.read(e)
	switch v.kind {
	case kindMissing:
		return nil, false
	case kindNull:
		return nil, true
	case kindString:
		return v.s, true
	case kindBool:
		return v.b, true
	case kindNumber:
		n, signed := p.integer(e)
		if signed {
			return int64(n), true
		}
		return n, true
	}
	return json.RawMessage(p.appendJSON(nil, e)), true
}

// envelopeField is what an EnvelopePath reads: the payload, a field or
// object of the envelope, or one label.
type envelopeField uint8

// The fields below objects come in the order MarshalJSON writes them.
const (
	fieldData envelopeField = iota
	fieldContext
	fieldContextName
	fieldAggregate
	fieldAggregateName
	fieldAggregateID
	fieldName
	fieldID
	fieldType
	fieldUser
	fieldUserID
	fieldMetadata
	fieldTimestamp
	fieldPosition
	fieldRevision
	fieldCausationID
	fieldCorrelationID
	fieldLabels
	fieldAuthorization
	fieldOwner
	fieldForAuthenticated
	fieldForPublic
	fieldLabel
)

// envelopePaths are the paths of the fields; one label has none of its
// own.
var envelopePaths = [...]string{
	fieldData:             "data",
	fieldContext:          "context",
	fieldContextName:      "context.name",
	fieldAggregate:        "aggregate",
	fieldAggregateName:    "aggregate.name",
	fieldAggregateID:      "aggregate.id",
	fieldName:             "name",
	fieldID:               "id",
	fieldType:             "type",
	fieldUser:             "user",
	fieldUserID:           "user.id",
	fieldMetadata:         "metadata",
	fieldTimestamp:        "metadata.timestamp",
	fieldPosition:         "metadata.position",
	fieldRevision:         "metadata.revision",
	fieldCausationID:      "metadata.causationId",
	fieldCorrelationID:    "metadata.correlationId",
	fieldLabels:           "metadata.labels",
	fieldAuthorization:    "metadata.isAuthorized",
	fieldOwner:            "metadata.isAuthorized.owner",
	fieldForAuthenticated: "metadata.isAuthorized.forAuthenticated",
	fieldForPublic:        "metadata.isAuthorized.forPublic",
	fieldLabel:            "",
}

// envelopeFieldsByPath finds a field by its path.
var envelopeFieldsByPath = func() map[string]envelopeField {
	m := make(map[string]envelopeField, len(envelopePaths))
	for f, path := range envelopePaths {
		if path != "" {
			m[path] = envelopeField(f)
		}
	}
	return m
}()

// valueKind is the JSON kind of a value at a path.
type valueKind uint8

const (
	kindMissing valueKind = iota
	kindNull
	kindString
	kindNumber
	kindBool
	kindObject
	kindArray
)

// value is one JSON value at a path, as reading it without encoding sees
// it: a scalar in full, a number as a float64; an object or array is only
// known to be there. It keeps to four fields and 32 bytes, which the
// compiler holds in registers: the pattern matcher makes one for every
// condition it checks.
type value struct {
	kind valueKind
	b    bool
	s    string
	n    float64
}

func stringValue(s string) value  { return value{kind: kindString, s: s} }
func numberValue(n float64) value { return value{kind: kindNumber, n: n} }
func boolValue(b bool) value      { return value{kind: kindBool, b: b} }

// read returns the value at p in e, read from the Event struct directly:
// "type" is "domain" when Type is empty, "user" is null for an anonymous
// event, the timestamp is in Unix milliseconds, the labels and
// isAuthorized are missing when empty or nil, and uuids are lowercase
// strings. The payload reads as missing.
func (p *EnvelopePath) read(e *Event) value {
	switch p.field {
	case fieldContextName:
		return stringValue(e.Aggregate.Context)
	case fieldAggregateName:
		return stringValue(e.Aggregate.Name)
	case fieldAggregateID:
		return stringValue(e.Aggregate.ID.String())
	case fieldName:
		return stringValue(e.Name)
	case fieldID:
		return stringValue(e.ID.String())
	case fieldType:
		if e.Type == "" {
			return stringValue(TypeDomain)
		}
		return stringValue(e.Type)
	case fieldUser:
		if e.User == nil {
			return value{kind: kindNull}
		}
		return value{kind: kindObject}
	case fieldUserID:
		if e.User == nil {
			return value{}
		}
		return stringValue(e.User.ID)
	case fieldTimestamp, fieldPosition, fieldRevision:
		n, signed := p.integer(e)
		if signed {
			return numberValue(float64(int64(n)))
		}
		return numberValue(float64(n))
	case fieldCausationID:
		return stringValue(e.Metadata.CausationID.String())
	case fieldCorrelationID:
		return stringValue(e.Metadata.CorrelationID.String())
	case fieldLabels:
		if len(e.Metadata.Labels) == 0 {
			return value{}
		}
		return value{kind: kindObject}
	case fieldLabel:
		if s, ok := e.Metadata.Labels[p.key]; ok {
			return stringValue(s)
		}
		return value{}
	case fieldAuthorization:
		if e.Metadata.Authorization == nil {
			return value{}
		}
		return value{kind: kindObject}
	case fieldOwner:
		if a := e.Metadata.Authorization; a != nil {
			return stringValue(a.Owner)
		}
		return value{}
	case fieldForAuthenticated:
		if a := e.Metadata.Authorization; a != nil {
			return boolValue(a.ForAuthenticated)
		}
		return value{}
	case fieldForPublic:
		if a := e.Metadata.Authorization; a != nil {
			return boolValue(a.ForPublic)
		}
		return value{}
	case fieldData:
		return value{}
	}
	return value{kind: kindObject} // context, aggregate, metadata
}

// integer returns the integer at p, which must be the timestamp, the
// position or the revision, as MarshalJSON writes it: exactly, which a
// float64 cannot always hold. It holds an int64's bits where signed.
func (p *EnvelopePath) integer(e *Event) (n uint64, signed bool) {
	switch p.field {
	case fieldTimestamp:
		return uint64(e.Metadata.Timestamp.UnixMilli()), true
	case fieldPosition:
		return e.Metadata.Position, false
	}
	return e.Metadata.Revision, false
}

// appendJSON appends the JSON MarshalJSON writes at p, which must be a
// path outside data where e has a value. An object is written field by
// field, its fields in the order of the constants.
func (p *EnvelopePath) appendJSON(b []byte, e *Event) []byte {
	switch v := p.read(e); v.kind {
	case kindNull:
		return append(b, "null"...)
	case kindString:
		return appendEnvelopeString(b, v.s)
	case kindBool:
		return strconv.AppendBool(b, v.b)
	case kindNumber:
		n, signed := p.integer(e)
		if signed {
			return strconv.AppendInt(b, int64(n), 10)
		}
		return strconv.AppendUint(b, n, 10)
	}
	if p.field == fieldLabels {
		// MarshalJSON's own labels, without the key it writes before them.
		n := len(b)
		b = appendEnvelopeLabels(b, e.Metadata.Labels)
		return append(b[:n], b[n+len(`,"labels":`):]...)
	}
	b = append(b, '{')
	prefix, first := envelopePaths[p.field]+".", true
	for f, path := range envelopePaths {
		key, ok := strings.CutPrefix(path, prefix)
		if !ok || strings.Contains(key, ".") {
			continue
		}
		child := EnvelopePath{field: envelopeField(f)}
		if child.read(e).kind == kindMissing {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(appendEnvelopeString(b, key), ':')
		b = child.appendJSON(b, e)
	}
	return append(b, '}')
}
