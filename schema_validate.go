package herald

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SchemaError is the detail of a [ValidationError] for JSON data that its
// definition's schema refuses: each value refused, by JSON Pointer into
// the data, and why.
type SchemaError struct {
	Failures []SchemaFailure
}

// SchemaFailure is one value a schema refuses: its JSON Pointer into the
// data ("" for the data as a whole, "/items/2/quantity" for a member
// deep inside) and the reason, such as "must be >= 1".
type SchemaFailure struct {
	Pointer string
	Reason  string
}

// Error lists the failures, each as "pointer: reason", the pointer left
// out for the data as a whole; "" for a nil e.
func (e *SchemaError) Error() string {
	if e == nil {
		return ""
	}
	parts := make([]string, len(e.Failures))
	for i, f := range e.Failures {
		parts[i] = f.String()
	}
	return strings.Join(parts, "; ")
}

// String is "pointer: reason", or the reason alone for the data as a
// whole.
func (f SchemaFailure) String() string {
	if f.Pointer == "" {
		return f.Reason
	}
	return f.Pointer + ": " + f.Reason
}

// ValidateJSON checks data, the JSON of a payload of the event d defines,
// against d's schema ([Definition.Schema]). Data that is not JSON, or
// that the schema refuses, is a *ValidationError for the field "data"
// naming the event, whose Err is a *SchemaError for a refusal. A
// definition without a schema (nil, or not made by [Define]) accepts any
// JSON.
func (d *Definition) ValidateJSON(data []byte) error {
	return wrap(d.validateJSON(data))
}

// validateJSON is ValidateJSON without the package prefix.
func (d *Definition) validateJSON(data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return &ValidationError{Event: d.FullName(), Field: "data", Reason: "is not valid JSON: " + err.Error(), Err: err}
	}
	if d == nil || d.schema == nil || d.schema.compiled == nil {
		return nil
	}
	err = d.schema.compiled.Validate(v)
	var refused *jsonschema.ValidationError
	if errors.As(err, &refused) {
		se := &SchemaError{Failures: failuresOf(refused, nil)}
		return &ValidationError{Event: d.FullName(), Field: "data", Reason: se.Error(), Err: se}
	}
	if err != nil {
		return &ValidationError{Event: d.FullName(), Field: "data", Reason: err.Error(), Err: err}
	}
	return nil
}

// checkJSON is the check of an event of d whose data is JSON: the schema
// first, then the check of its Go type (a Validate method) on the data
// decoded. The event keeps its data as JSON.
func (d *Definition) checkJSON(e *Event, raw json.RawMessage) error {
	if err := d.validateJSON(raw); err != nil {
		return err
	}
	v, err := d.decode(raw)
	if err != nil {
		return &ValidationError{Event: e.FullName(), Field: "data", Reason: "does not decode into " + d.Type.String() + ": " + err.Error(), Err: err}
	}
	typed := *e
	typed.Data = v
	return d.check(&typed)
}

// ValidateSample checks d's sample against d's schema; a definition
// without a sample passes. A sample that does not encode as JSON, or
// that the schema refuses, is a *ValidationError for the field "sample"
// naming the event.
func (d *Definition) ValidateSample() error { return wrap(d.validateSample()) }

// validateSample is ValidateSample without the package prefix.
func (d *Definition) validateSample() error {
	if d == nil || d.Sample == nil {
		return nil
	}
	b, err := json.Marshal(d.Sample)
	if err != nil {
		return &ValidationError{Event: d.FullName(), Field: "sample", Reason: "does not encode as JSON: " + err.Error(), Err: err}
	}
	if err := d.validateJSON(b); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			sampled := *ve
			sampled.Field = "sample"
			return &sampled
		}
		return err
	}
	return nil
}

// printer words the validator's reasons.
var printer = message.NewPrinter(language.English)

// failuresOf appends to out the innermost failures under e, the ones that
// say what is wrong with which value.
func failuresOf(e *jsonschema.ValidationError, out []SchemaFailure) []SchemaFailure {
	if len(e.Causes) == 0 {
		return append(out, SchemaFailure{Pointer: jsonPointer(e.InstanceLocation), Reason: reasonOf(e.ErrorKind)})
	}
	causes := e.Causes
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		causes = withoutTypeMismatches(e)
	}
	for _, c := range causes {
		out = failuresOf(c, out)
	}
	return out
}

// withoutTypeMismatches returns the causes of e, a failed choice of
// schemas, that say more than that the value is of another type than
// their schema's, such as the null a nullable property allows; when none
// does, one failure naming every type wanted.
func withoutTypeMismatches(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	var rest []*jsonschema.ValidationError
	merged := &kind.Type{}
	for _, c := range e.Causes {
		t, ok := c.ErrorKind.(*kind.Type)
		if !ok || len(c.Causes) > 0 {
			rest = append(rest, c)
			continue
		}
		merged.Got = t.Got
		merged.Want = append(merged.Want, t.Want...)
	}
	if len(rest) > 0 || len(merged.Want) == 0 {
		return rest
	}
	return []*jsonschema.ValidationError{{InstanceLocation: e.InstanceLocation, ErrorKind: merged}}
}

// reasonOf words why a value failed k: bounds as "must be >= 1", the
// rest as the validator words them.
func reasonOf(k jsonschema.ErrorKind) string {
	bound := func(op string, want *big.Rat) string {
		return "must be " + op + " " + want.RatString()
	}
	switch k := k.(type) {
	case *kind.Minimum:
		return bound(">=", k.Want)
	case *kind.Maximum:
		return bound("<=", k.Want)
	case *kind.ExclusiveMinimum:
		return bound(">", k.Want)
	case *kind.ExclusiveMaximum:
		return bound("<", k.Want)
	}
	return k.LocalizedString(printer)
}

// jsonPointer is the JSON Pointer of the path of tokens.
func jsonPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
