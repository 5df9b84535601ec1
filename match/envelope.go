package match

import (
	"strconv"
	"strings"

	"github.com/herald-go/herald"
)

// envelopeField is what an Path reads: the payload, a field or
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
func (p *Path) read(e *herald.Event) value {
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
			return stringValue(herald.TypeDomain)
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
func (p *Path) integer(e *herald.Event) (n uint64, signed bool) {
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
func (p *Path) appendJSON(b []byte, e *herald.Event) []byte {
	switch v := p.read(e); v.kind {
	case kindNull:
		return append(b, "null"...)
	case kindString:
		return appendString(b, v.s)
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
		b = appendLabels(b, e.Metadata.Labels)
		return append(b[:n], b[n+len(`,"labels":`):]...)
	}
	b = append(b, '{')
	prefix, first := envelopePaths[p.field]+".", true
	for f, path := range envelopePaths {
		key, ok := strings.CutPrefix(path, prefix)
		if !ok || strings.Contains(key, ".") {
			continue
		}
		child := Path{field: envelopeField(f)}
		if child.read(e).kind == kindMissing {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(appendString(b, key), ':')
		b = child.appendJSON(b, e)
	}
	return append(b, '}')
}
