package herald

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	derive "github.com/invopop/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/herald-go/herald/internal/option"
)

// SchemaDraft is the JSON Schema dialect of the schemas a [Registry]
// derives and of those it reads without a "$schema" of their own.
const SchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// definitionSchema is a definition's JSON Schema, as JSON and compiled.
type definitionSchema struct {
	doc      json.RawMessage
	explicit bool
	compiled *jsonschema.Schema
}

// WithSchema sets the JSON Schema of the event's data instead of the one
// [Define] derives from its Go type. The schema is draft 2020-12 unless
// its "$schema" names another draft; it may not refer to documents
// outside itself. A schema that is not JSON or does not compile is an
// error from Define, and so is a sample ([WithSample]) it refuses.
func WithSchema(doc []byte) DefineOption {
	return func(c *defineConfig) error {
		if !json.Valid(doc) {
			return option.Invalid("WithSchema", "the schema is not valid JSON")
		}
		c.def.schema = &definitionSchema{doc: bytes.Clone(doc), explicit: true}
		return nil
	}
}

// Schema returns the JSON Schema of the definition's data: the one given
// [WithSchema], or the one [Define] derived from the Go type. It is nil
// for a nil d and for a Definition not made by Define. The caller may
// change the bytes returned.
func (d *Definition) Schema() json.RawMessage {
	if d == nil || d.schema == nil {
		return nil
	}
	return bytes.Clone(d.schema.doc)
}

// compileSchema derives d's schema from its type unless it was given one,
// compiles it, and checks d's sample against a schema given.
func (d *Definition) compileSchema() error {
	if d.schema == nil {
		doc, err := deriveSchema(d.Type)
		if err != nil {
			return err
		}
		d.schema = &definitionSchema{doc: doc}
	}
	compiled, err := compileSchema(d.FullName(), d.schema.doc)
	if err != nil {
		return fmt.Errorf("the schema does not compile: %w", err)
	}
	d.schema.compiled = compiled
	if d.schema.explicit && d.Sample != nil {
		if err := d.validateSample(); err != nil {
			return err
		}
	}
	return nil
}

// deriveSchema returns the JSON Schema of t: a struct's properties by their
// JSON names, required unless omitempty (or omitzero), extra properties
// refused, and what the struct tags "jsonschema" and
// "jsonschema_description" add (descriptions, required, enums, formats,
// bounds). Named types a struct uses become definitions under "$defs".
func deriveSchema(t reflect.Type) (doc json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("no JSON Schema derives from %v: %v", t, r)
		}
	}()
	r := derive.Reflector{Anonymous: true, ExpandedStruct: true, Mapper: customJSON}
	s := r.ReflectFromType(t)
	s.Version = SchemaDraft
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
)

// customJSON is the schema of a type that encodes itself, which the
// generator would describe by its Go shape: a uuid.UUID is a string in
// the uuid format, another encoding.TextMarshaler a string, and a
// json.Marshaler anything. It is nil for the types the generator knows
// (time.Time, json.RawMessage, those with a JSONSchema method) and for
// all others.
func customJSON(t reflect.Type) *derive.Schema {
	switch {
	case t == uuidType:
		return &derive.Schema{Type: "string", Format: "uuid"}
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

// compileSchema compiles doc, the schema of the event name. It loads no
// other document: a reference outside doc is an error.
func compileSchema(name string, doc json.RawMessage) (*jsonschema.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	url := "urn:herald:" + name
	if err := c.AddResource(url, v); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// defineError is the error of Define for d's schema or sample.
func defineError(d *Definition, err error) error {
	if errors.Is(err, ErrInvalid) {
		return errorf("define %s: %w", d.FullName(), err)
	}
	return errorf("define %s: %w: %w", d.FullName(), err, ErrInvalid)
}
