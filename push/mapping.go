package push

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/match"
)

// mapping is a StreamEvent's Map, compiled: the output keys in order and
// the path each takes its value from.
type mapping struct {
	keys  []string
	paths []mapPath
}

// mapPath is a path of a Map: in the envelope, or below data.
type mapPath struct {
	envelope match.Path
	data     []string // the keys below data, when inData
	inData   bool
}

// compileMapping checks and compiles a Map. defs are the definitions of
// the events the map applies to, when a registry knows them: a data path
// must exist in the data type of one of them.
func compileMapping(m map[string]string, defs []*herald.Definition) (*mapping, error) {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	mp := &mapping{keys: keys, paths: make([]mapPath, len(keys))}
	for i, key := range keys {
		if key == "" {
			return nil, fmt.Errorf("map: a key is empty: %w", herald.ErrInvalid)
		}
		p, err := parsePath(m[key], defs)
		if err != nil {
			return nil, fmt.Errorf("map[%q]: %w", key, err)
		}
		mp.paths[i] = p
	}
	return mp, nil
}

// parsePath parses a path of the envelope and checks that it can exist.
func parsePath(path string, defs []*herald.Definition) (mapPath, error) {
	p, err := match.ParsePath(path)
	if err != nil {
		return mapPath{}, prefix.Strip(err)
	}
	segments, inData := p.DataPath()
	if inData && len(segments) > 0 && len(defs) > 0 && !slices.ContainsFunc(defs, func(d *herald.Definition) bool {
		return typeHasPath(d.Type, segments)
	}) {
		names := make([]string, len(defs))
		for i, d := range defs {
			names[i] = fmt.Sprintf("%s (%v)", d.FullName(), d.Type)
		}
		return mapPath{}, fmt.Errorf("%q cannot exist in the data of %s: %w",
			path, strings.Join(names, ", "), herald.ErrInvalid)
	}
	return mapPath{envelope: p, data: segments, inData: inData}, nil
}

// render appends the JSON object of m for e. view returns e's data as
// encoding/json decodes it into an any.
func (m *mapping) render(b []byte, e *herald.Event, view func() (any, error)) ([]byte, error) {
	b = append(b, '{')
	for i, key := range m.keys {
		v, err := m.paths[i].value(e, view)
		if err != nil {
			return nil, err
		}
		enc, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(key) // a string always encodes
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, enc...)
	}
	return append(b, '}'), nil
}

// value returns the value at p in e, as a value that encodes to the JSON
// MarshalJSON writes there; nil when the event has nothing there.
func (p *mapPath) value(e *herald.Event, view func() (any, error)) (any, error) {
	if p.inData {
		v, err := view()
		if err != nil {
			return nil, err
		}
		return walk(v, p.data), nil
	}
	v, _ := p.envelope.Value(e)
	return v, nil
}

// walk follows path through a value decoded by encoding/json: object keys,
// and decimal indexes into arrays. It returns nil where the path leads
// nowhere.
func walk(v any, path []string) any {
	for _, seg := range path {
		switch t := v.(type) {
		case map[string]any:
			v = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// dataView decodes data the way MarshalJSON writes it: a json.RawMessage as
// it is, any other value encoded by encoding/json. Numbers stay
// json.Numbers, so they are sent as they were.
func dataView(data any) (any, error) {
	var raw []byte
	switch d := data.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		raw = d
	default:
		var err error
		if raw, err = json.Marshal(d); err != nil {
			return nil, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	timeType       = reflect.TypeFor[time.Time]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// typeHasPath reports whether the JSON encoding/json writes for a value of
// t can have something at path: struct fields go by their JSON names
// (tags honoured, embedded structs' fields promoted), maps take any key,
// slices and arrays take decimal indexes. Below an interface, a
// json.RawMessage or a type with its own MarshalJSON anything may be.
func typeHasPath(t reflect.Type, path []string) bool {
	for seen := 0; t != nil; seen++ {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if len(path) == 0 {
			return true
		}
		if seen > 64 {
			return true // a recursive type: deep enough to hold anything
		}
		switch {
		case t == rawMessageType:
			return true
		case t == timeType:
			return false // a string
		case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
			return true
		}
		seg := path[0]
		switch t.Kind() {
		case reflect.Interface:
			return true
		case reflect.Struct:
			t = jsonField(t, seg)
		case reflect.Map:
			t = t.Elem()
		case reflect.Slice, reflect.Array:
			if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
				return false // base64 text
			}
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || (t.Kind() == reflect.Array && i >= t.Len()) {
				return false
			}
			t = t.Elem()
		default:
			return false
		}
		path = path[1:]
	}
	return false
}

// jsonField returns the type of the field of struct type t that
// encoding/json writes under name, or nil. Like encoding/json, it prefers
// the shallowest field, and among fields at one depth the one that is
// tagged; fields that still conflict are written by none.
func jsonField(t reflect.Type, name string) reflect.Type {
	level := []reflect.Type{t}
	visited := map[reflect.Type]bool{}
	for len(level) > 0 {
		var found, tagged []reflect.Type
		var next []reflect.Type
		for _, st := range level {
			if visited[st] {
				continue
			}
			visited[st] = true
			for i := range st.NumField() {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				tagName, _, _ := strings.Cut(tag, ",")
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous {
					if tagName == "" && ft.Kind() == reflect.Struct {
						next = append(next, ft)
						continue
					}
					if !f.IsExported() {
						continue
					}
				} else if !f.IsExported() {
					continue
				}
				fieldName := tagName
				if fieldName == "" {
					fieldName = f.Name
				}
				if fieldName != name {
					continue
				}
				found = append(found, f.Type)
				if tagName != "" {
					tagged = append(tagged, f.Type)
				}
			}
		}
		switch {
		case len(found) == 1:
			return found[0]
		case len(tagged) == 1:
			return tagged[0]
		case len(found) > 1:
			return nil
		}
		level = next
	}
	return nil
}
