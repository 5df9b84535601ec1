package match

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
	"github.com/herald-go/herald/internal/prefix"
)

// Path is a path in an event's envelope, in the JSON shape
// [herald.Event.MarshalJSON] writes: object keys joined by dots, such as
// "context.name", "aggregate.id", "metadata.revision",
// "metadata.labels.room" or "data.items.0.sku". Parse one with
// [ParsePath]. The zero Path is "data", the whole payload.
type Path struct {
	field envelopeField
	key   string   // the label's key, for fieldLabel
	data  []string // the keys below data, for fieldData
}

// ParsePath parses a path of the envelope. The paths are those
// [herald.Event.MarshalJSON] writes: "context", "context.name", "aggregate",
// "aggregate.name", "aggregate.id", "name", "id", "type", "data", "user",
// "user.id", "metadata", "metadata.timestamp", "metadata.position",
// "metadata.revision", "metadata.causationId", "metadata.correlationId",
// "metadata.labels", "metadata.isAuthorized" and its "owner",
// "forAuthenticated" and "forPublic"; then "metadata.labels.<key>", one
// label, its key taken whole, dots and all; and "data.<key>…", keys below
// the payload, which are not checked, the payload's shape being its own.
// Any other path, and a data path with an empty key, is an error matching
// [herald.ErrInvalid], which quotes a short prefix of the path.
func ParsePath(path string) (Path, error) {
	if f, ok := envelopeFieldsByPath[path]; ok {
		return Path{field: f}, nil
	}
	if key, ok := strings.CutPrefix(path, "metadata.labels."); ok && key != "" {
		return Path{field: fieldLabel, key: key}, nil
	}
	rest, ok := strings.CutPrefix(path, "data.")
	if !ok {
		return Path{}, prefix.Errorf("match", "%s is not a path of the event envelope: %w", excerpt.Quote(path), herald.ErrInvalid)
	}
	keys := strings.Split(rest, ".")
	if slices.Contains(keys, "") {
		return Path{}, prefix.Errorf("match", "%s has an empty segment: %w", excerpt.Quote(path), herald.ErrInvalid)
	}
	return Path{field: fieldData, data: keys}, nil
}

// DataPath returns the keys p takes below data, such as ["items", "0",
// "sku"] for "data.items.0.sku" and none for "data", and whether p is in
// data at all. Whether a key names a field or indexes a list is for the
// reader of the payload to say.
func (p Path) DataPath() ([]string, bool) {
	if p.field != fieldData {
		return nil, false
	}
	return slices.Clone(p.data), true
}

// Value returns the value [herald.Event.MarshalJSON] writes at p for e,
// and whether it writes one there: a string for a string or a uuid
// (lowercase), "domain" for the type of an event whose Type is empty, an
// int64 for the timestamp in Unix milliseconds, a uint64 for the position
// and the revision, a bool for the authorization's flags, nil for the user
// of an anonymous event, and for an object a json.RawMessage holding the
// bytes MarshalJSON writes for it. Where MarshalJSON writes nothing, such
// as "user.id" of an anonymous event, a label the event does not have,
// "metadata.labels" when there are none and "metadata.isAuthorized" when
// Authorization is nil, Value returns nil and false. A path in data has no
// value here, and gives nil and false too: the payload is e.Data, to be
// read by the keys [Path.DataPath] returns. A nil e has no value anywhere.
func (p Path) Value(e *herald.Event) (any, bool) {
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
