package match

import (
	"encoding/json"

	"github.com/herald-go/herald"
)

// matchState holds what one Match call learned about the event's payload,
// so that conditions on data decode it once.
type matchState struct {
	data  any
	ready bool
}

// dataView returns the payload as generic JSON values, decoding it on the
// first call. Data that does not encode to JSON gives a missing value.
func (st *matchState) dataView(e *herald.Event) any {
	if !st.ready {
		st.data, st.ready = jsonView(e.Data), true
	}
	return st.data
}

// missingData stands for a payload, or a part of one, that is not there.
type missingData struct{}

// jsonView returns v as generic JSON values where it is not one already:
// nil, bool, float64, string, []any, map[string]any, or json.Number-like
// Go numbers, which the walk understands too.
func jsonView(v any) any {
	switch d := v.(type) {
	case nil, string, bool, float64, map[string]any, []any:
		return v
	case json.RawMessage:
		return decodeView(d)
	case []byte:
		return decodeView(d)
	}
	if _, ok := numberOf(v); ok {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return missingData{}
	}
	return decodeView(b)
}

func decodeView(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return missingData{}
	}
	return out
}

// numberOf returns v as a float64 when it is a Go number.
func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case int16:
		return float64(n), true
	case int8:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint8:
		return float64(n), true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// matchDataPath reports whether the payload's value at path meets one of
// leaves. Lists on the way, and at the end, hold when one item does.
func matchDataPath(v any, path []string, leaves []leaf) bool {
	for i, key := range path {
		switch x := jsonView(v).(type) {
		case map[string]any:
			child, ok := x[key]
			if !ok {
				return matchMissing(leaves)
			}
			v = child
		case []any:
			if len(x) == 0 {
				return matchMissing(leaves)
			}
			for _, item := range x {
				if matchDataPath(item, path[i:], leaves) {
					return true
				}
			}
			return false
		default:
			return matchMissing(leaves)
		}
	}
	v = jsonView(v)
	if list, ok := v.([]any); ok {
		there := value{kind: kindArray}
		for i := range leaves {
			l := &leaves[i]
			if l.op == opExists || l.op == opNotExists {
				if l.match(&there) {
					return true
				}
				continue
			}
			for _, item := range list {
				iv := scalarValue(jsonView(item))
				if l.match(&iv) {
					return true
				}
			}
		}
		return false
	}
	sv := scalarValue(v)
	return matchLeaves(leaves, &sv)
}

func matchMissing(leaves []leaf) bool {
	missing := value{}
	return matchLeaves(leaves, &missing)
}

// scalarValue returns the value a leaf sees for a generic JSON value.
func scalarValue(v any) value {
	switch x := v.(type) {
	case nil:
		return value{kind: kindNull}
	case string:
		return stringValue(x)
	case bool:
		return boolValue(x)
	case map[string]any:
		return value{kind: kindObject}
	case []any:
		return value{kind: kindArray}
	case missingData:
		return value{}
	}
	if n, ok := numberOf(v); ok {
		return numberValue(n)
	}
	return value{kind: kindObject}
}
