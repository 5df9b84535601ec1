package herald

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	derive "github.com/invopop/jsonschema"
)

// deriveSchema returns the JSON Schema of t: a struct's properties by their
// JSON names, required unless omitempty (or omitzero), extra properties
// refused, and what the struct tags "jsonschema" and
// "jsonschema_description" add (descriptions, required, enums, formats,
// bounds). Named types a struct uses become definitions under "$defs". A
// property that encoding/json writes as null when it is nil (a pointer,
// slice or map without omitempty) may be null.
func deriveSchema(t reflect.Type, personal []string) (doc json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("no JSON Schema derives from %v: %v", t, r)
		}
	}()
	r := derive.Reflector{Anonymous: true, ExpandedStruct: true, Mapper: customJSON}
	s := r.ReflectFromType(t)
	s.Version = SchemaDraft
	allowNull(t, s, s, map[*derive.Schema]bool{})
	markPersonal(s, personal)
	if doc, err = json.Marshal(s); err != nil {
		return nil, fmt.Errorf("no JSON Schema derives from %v: %w", t, err)
	}
	return refRoot(doc)
}

// Types whose JSON is their own.
var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	schemaOwner   = reflect.TypeFor[interface{ JSONSchema() *derive.Schema }]()
	uuidType      = reflect.TypeFor[uuid.UUID]()
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	numberType    = reflect.TypeFor[json.Number]()
)

// customJSON is the schema of a type that encodes itself, which the
// generator would describe by its Go shape: a uuid.UUID is a string in
// the uuid format, a json.Number a number, another encoding.TextMarshaler
// a string, and a json.Marshaler anything. It is nil for the types the generator knows
// (time.Time, json.RawMessage, those with a JSONSchema method) and for
// all others.
func customJSON(t reflect.Type) *derive.Schema {
	switch {
	case t == uuidType:
		return &derive.Schema{Type: "string", Format: "uuid"}
	case t == numberType:
		return &derive.Schema{Type: "number"}
	case t == timeType || t == rawType || implements(t, schemaOwner):
		return nil
	case implements(t, jsonMarshaler):
		return &derive.Schema{}
	case implements(t, textMarshaler):
		return &derive.Schema{Type: "string"}
	}
	return nil
}

// implements reports whether t or *t implements iface.
func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface)
}

// refRoot points the references of doc to a definition it lacks at its
// root: the type expanded at the root is left out of "$defs", and a
// recursive type refers to itself.
func refRoot(doc json.RawMessage) (json.RawMessage, error) {
	var root map[string]any
	if err := json.Unmarshal(doc, &root); err != nil {
		return doc, nil // true or false, a schema without references
	}
	defs, _ := root["$defs"].(map[string]any)
	changed := false
	walkSchema(root, func(node map[string]any) {
		ref, ok := node["$ref"].(string)
		if name, local := strings.CutPrefix(ref, "#/$defs/"); ok && local && defs[name] == nil {
			node["$ref"], changed = "#", true
		}
	})
	if !changed {
		return doc, nil
	}
	return json.Marshal(root)
}

// walkSchema calls f on every object within v, v's own included.
func walkSchema(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(v)
		for _, inner := range v {
			walkSchema(inner, f)
		}
	case []any:
		for _, inner := range v {
			walkSchema(inner, f)
		}
	}
}

// allowNull lets each property of the struct schemas within s, the schema
// of t, be null where encoding/json writes null for a nil field. root is
// the whole schema, whose "$defs" the references point into.
func allowNull(t reflect.Type, s, root *derive.Schema, seen map[*derive.Schema]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s = resolveRef(s, root)
	if s == nil || seen[s] || customJSON(t) != nil {
		return
	}
	seen[s] = true
	switch t.Kind() {
	case reflect.Struct:
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			f, ok := fieldOf(t, pair.Key)
			if !ok {
				continue
			}
			allowNull(f.Type, pair.Value, root, seen)
			if nilable(f.Type) && !omitsEmpty(f) {
				pair.Value = &derive.Schema{AnyOf: []*derive.Schema{pair.Value, {Type: "null"}}}
			}
		}
	case reflect.Slice, reflect.Array:
		allowNull(t.Elem(), s.Items, root, seen)
	case reflect.Map:
		allowNull(t.Elem(), s.AdditionalProperties, root, seen)
	}
}

// resolveRef returns the schema s refers to within root, s itself when it
// refers to none; a reference to a definition root lacks is to root.
func resolveRef(s, root *derive.Schema) *derive.Schema {
	if s == nil || s.Ref == "" {
		return s
	}
	name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
	if !ok {
		return nil
	}
	if def := root.Definitions[name]; def != nil {
		return def
	}
	return root
}

// fieldOf returns the field of struct t, promoted ones included, that
// encoding/json writes under name.
func fieldOf(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" || f.Anonymous && tag == "" {
			continue
		}
		if tag == name || tag == "" && f.Name == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// nilable reports whether encoding/json writes null for the zero t.
func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return customJSON(t) == nil
	}
	return false
}

// omitsEmpty reports whether encoding/json leaves f out when it is empty.
func omitsEmpty(f reflect.StructField) bool {
	_, options, _ := strings.Cut(f.Tag.Get("json"), ",")
	for _, o := range strings.Split(options, ",") {
		if o == "omitempty" || o == "omitzero" {
			return true
		}
	}
	return false
}

// markPersonal annotates the properties of s named in personal.
func markPersonal(s *derive.Schema, personal []string) {
	if s.Properties == nil {
		return
	}
	for _, name := range personal {
		if p, ok := s.Properties.Get(name); ok && p != nil {
			if p.Extras == nil {
				p.Extras = map[string]any{}
			}
			p.Extras[PersonalKeyword] = true
		}
	}
}
