package herald

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

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

// compileSchema derives d's schema from its type, its personal fields
// annotated ([PersonalKeyword]), unless it was given one,
// compiles it, and checks d's sample against a schema given.
func (d *Definition) compileSchema() error {
	if d.schema == nil {
		doc, err := deriveSchema(d.Type, d.personal)
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
