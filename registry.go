package herald

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald/internal/option"
)

// Registry holds event definitions: which Go type each full event name
// carries, with a description, a version and a default authorization. A
// Publisher with a registry checks every defined event it publishes. The
// zero Registry is empty and lenient; it is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	defs   map[eventKey]*Definition
	strict bool
	// versioned is set once a definition is at a version above 1, so
	// that reads of registries without one skip Upcast's lookup.
	versioned atomic.Bool
	// personal is set once a definition with personal fields is added.
	personal atomic.Bool
}

type eventKey struct{ context, aggregate, name string }

func keyOf(e *Event) eventKey {
	return eventKey{e.Aggregate.Context, e.Aggregate.Name, e.Name}
}

// RegistryOption configures a Registry built by NewRegistry.
type RegistryOption func(*registryConfig) error

type registryConfig struct {
	strict bool
}

// WithStrict makes a registry reject events it has no definition for.
// Without it, undefined ("ad hoc") events are published unchecked.
func WithStrict() RegistryOption {
	return func(c *registryConfig) error { c.strict = true; return nil }
}

// NewRegistry returns an empty registry. An invalid option value is an
// error matching ErrInvalid.
func NewRegistry(options ...RegistryOption) (*Registry, error) {
	var c registryConfig
	if err := option.Apply(&c, options, "herald", "new registry", ErrInvalid); err != nil {
		return nil, err
	}
	return &Registry{strict: c.strict}, nil
}

// Definition describes one event: its full name, the Go type of its data,
// and what the publisher fills in when the event leaves it out.
type Definition struct {
	Context, Aggregate, Name string
	// Description says what the event means.
	Description string
	// Version is the version of the payload's shape, from 1: publishing
	// stamps it on events, and reading brings events stored at an older
	// version to it with the definition's upcasters ([WithUpcast]). Set it
	// with [WithVersion], not after Define, which checks it against the
	// upcasters.
	Version int
	// Authorization is the default authorization of the event; the
	// publishing user becomes its owner when it names none.
	Authorization *Authorization
	// Type is the Go type of the data.
	Type reflect.Type
	// Sample is an example payload, a value of Type, or nil.
	Sample any

	check  func(e *Event) error
	decode func(raw []byte) (any, error)
	// upcasters turn version i+1 into i+2; empty or Version-1 long.
	upcasters []upcastFunc
	schema    *definitionSchema // set by Define
	// personal are the JSON names of the fields tagged personal.
	personal []string
}

// FullName is "context.aggregate.name"; "" for a nil d.
func (d *Definition) FullName() string {
	if d == nil {
		return ""
	}
	return d.Context + "." + d.Aggregate + "." + d.Name
}

// DefineOption configures a Definition made by Define.
type DefineOption func(*defineConfig) error

// defineConfig is the definition being made, whose Type is set.
type defineConfig struct {
	def       *Definition
	upcasters map[int]upcastFunc // by the version they upcast from
}

// WithDescription sets what the event means.
func WithDescription(text string) DefineOption {
	return func(c *defineConfig) error { c.def.Description = text; return nil }
}

// WithVersion sets the version of the payload's shape; it must be at
// least 1, the default. Events published are stamped with it
// (Metadata.Version), and events read at an older version are brought to
// it by the definition's upcasters ([WithUpcast]).
func WithVersion(v int) DefineOption {
	return func(c *defineConfig) error {
		if err := option.AtLeast("WithVersion", v, 1); err != nil {
			return err
		}
		c.def.Version = v
		return nil
	}
}

// WithDefaultAuthorization sets who may receive the event unless its
// publisher says otherwise.
func WithDefaultAuthorization(a Authorization) DefineOption {
	return func(c *defineConfig) error { c.def.Authorization = &a; return nil }
}

// WithSample sets an example payload; it must be of the defined type.
func WithSample(v any) DefineOption {
	return func(c *defineConfig) error {
		if reflect.TypeOf(v) != c.def.Type {
			return option.Invalid(fmt.Sprintf("WithSample(%T)", v), fmt.Sprintf("want a value of type %v", c.def.Type))
		}
		c.def.Sample = v
		return nil
	}
}

// Define binds the event context.aggregate.name to the data type T. Names
// must be non-empty and without dots, and each event can be defined once.
// Publishing the event then requires its data to be a T (or a non-nil *T)
// and, when T or *T has a method Validate() error, that it returns nil.
// Data given as a json.RawMessage must pass the definition's JSON Schema
// ([Definition.Schema], derived from T unless given [WithSchema]) and
// decode into a T, which is then checked the same way. A nil r, and a T
// that has no JSON (a func or a chan), are errors matching ErrInvalid.
// The top-level string fields of T tagged `herald:"personal"` are its
// personal fields ([PersonalTag], [Definition.PersonalFields]); the tag on
// any other field is an error naming the event and the field.
func Define[T any](r *Registry, context, aggregate, name string, options ...DefineOption) (*Definition, error) {
	d := &Definition{
		Context: context, Aggregate: aggregate, Name: name, Version: 1,
		Type:   reflect.TypeFor[T](),
		check:  checkData[T],
		decode: decodeAs[T],
	}
	if err := d.checkNames(); err != nil {
		return nil, errorf("define %s: %w: %w", d.FullName(), err, ErrInvalid)
	}
	c := &defineConfig{def: d}
	if err := option.Apply(c, options, "herald", "define "+d.FullName(), ErrInvalid); err != nil {
		return nil, err
	}
	if err := c.setUpcasters(); err != nil {
		return nil, errorf("define %s: %w: %w", d.FullName(), err, ErrInvalid)
	}
	if err := d.checkPersonal(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errorf("define %s: the registry is nil: %w", d.FullName(), ErrInvalid)
	}
	if err := d.compileSchema(); err != nil {
		return nil, defineError(d, err)
	}
	return d, r.add(d)
}

// checkNames reports a name of d that is empty or holds a dot.
func (d *Definition) checkNames() error {
	names := [...]struct{ field, value string }{{"context", d.Context}, {"aggregate", d.Aggregate}, {"event", d.Name}}
	for _, n := range names {
		if n.value == "" || strings.Contains(n.value, ".") {
			return fmt.Errorf("%s name %q must be non-empty and without dots", n.field, n.value)
		}
	}
	return nil
}

func (r *Registry) add(d *Definition) error {
	if d.Name == TransferredOwnership {
		return errorf("define %s: %q is the event every aggregate has for handing it to another owner: %w", d.FullName(), TransferredOwnership, ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := eventKey{d.Context, d.Aggregate, d.Name}
	if _, ok := r.defs[key]; ok {
		return errorf("define %s: already defined: %w", d.FullName(), ErrInvalid)
	}
	if r.defs == nil {
		r.defs = make(map[eventKey]*Definition)
	}
	r.defs[key] = d
	if d.Version > 1 {
		r.versioned.Store(true)
	}
	if len(d.personal) > 0 {
		r.personal.Store(true)
	}
	return nil
}

// Strict reports whether the registry rejects events it has no definition
// for ([WithStrict]). A nil registry is lenient.
func (r *Registry) Strict() bool { return r != nil && r.strict }

// Lookup returns the definition of context.aggregate.name. A nil registry
// has none.
func (r *Registry) Lookup(context, aggregate, name string) (*Definition, bool) {
	if r == nil {
		return nil, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.defs[eventKey{context, aggregate, name}]
	return d, ok
}

// definesAggregate reports whether the registry lets events of
// context.aggregate be published: a lenient or nil one always does, a
// strict one when it defines an event of theirs.
func (r *Registry) definesAggregate(context, aggregate string) bool {
	if r == nil || !r.strict {
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for k := range r.defs {
		if k.context == context && k.aggregate == aggregate {
			return true
		}
	}
	return false
}

// lookup returns the definition of e, which for a TransferredOwnership
// event every registry has, the nil one too.
func (r *Registry) lookup(e *Event) *Definition {
	if e.Name == TransferredOwnership {
		return ownershipDefinition
	}
	if isUserDeleted(e) {
		return userDeletedDefinition
	}
	if r == nil {
		return nil
	}
	r.mu.RLock()
	d := r.defs[keyOf(e)]
	r.mu.RUnlock()
	return d
}

// Definitions returns every definition, ordered by full name.
func (r *Registry) Definitions() []*Definition {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defs := make([]*Definition, 0, len(r.defs))
	for _, d := range r.defs {
		defs = append(defs, d)
	}
	r.mu.RUnlock()
	sort.Slice(defs, func(i, j int) bool { return defs[i].FullName() < defs[j].FullName() })
	return defs
}

// Check reports whether e may be published: on a strict registry it must be
// defined, and a defined event's data must be of its type and valid. The
// error is a *ValidationError naming the event and the field; for a nil e
// too.
func (r *Registry) Check(e *Event) error { return wrap(r.check(e)) }

// check is Check without the package prefix, for the checks that wrap it.
func (r *Registry) check(e *Event) error {
	if e == nil {
		return nilEvent()
	}
	return r.checkDefined(e, r.lookup(e))
}

// checkDefined is check of e, whose definition in r is d (nil for none).
func (r *Registry) checkDefined(e *Event, d *Definition) error {
	if d == nil {
		if r != nil && r.strict {
			return &ValidationError{Event: e.FullName(), Field: "name", Reason: "is not defined in the strict registry"}
		}
		return nil
	}
	if v := e.Metadata.Version; v != 0 && v != d.Version {
		return &ValidationError{Event: e.FullName(), Field: "metadata.version",
			Reason: fmt.Sprintf("is %d, but the definition is at version %d, the version of the data published", v, d.Version)}
	}
	if raw, ok := e.Data.(json.RawMessage); ok && d.schema != nil {
		return d.checkJSON(e, raw)
	}
	return d.check(e)
}

// Decode replaces JSON data read back from a store (json.RawMessage or
// []byte) with a value of the event's defined type, after bringing data
// stored at an older version to the current one ([Registry.Upcast]).
// Events without a definition, and Go values at the current version, are
// left as they are. A nil e is an error matching ErrInvalid.
func (r *Registry) Decode(e *Event) error { return wrap(r.decode(e)) }

// decode is Decode without the package prefix.
func (r *Registry) decode(e *Event) error {
	if e == nil {
		return nilEvent()
	}
	raw, ok := rawData(e.Data)
	if !ok {
		return r.upcast(e)
	}
	d := r.lookup(e)
	if d == nil {
		return nil
	}
	raw, err := d.upcastData(e, raw)
	if err != nil {
		return err
	}
	v, err := d.decode(raw)
	if err != nil {
		return &ValidationError{Event: e.FullName(), Field: "data", Reason: err.Error(), Err: err}
	}
	e.Data = v
	if e.Metadata.Version != 0 || d.Version > 1 {
		e.Metadata.Version = d.Version
	}
	return nil
}

func decodeAs[T any](raw []byte) (any, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return v, nil
}

type validator interface{ Validate() error }

// checkData is a Definition's check for the data type T.
func checkData[T any](e *Event) error {
	var v T
	switch d := e.Data.(type) {
	case T:
		v = d
	case *T:
		if d == nil {
			return &ValidationError{Event: e.FullName(), Field: "data", Reason: "is a nil pointer"}
		}
		v = *d
	default:
		return &ValidationError{Event: e.FullName(), Field: "data", Reason: fmt.Sprintf("is %T, want %v", e.Data, reflect.TypeFor[T]())}
	}
	return runValidate(e, v)
}

func runValidate[T any](e *Event, v T) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ValidationError{Event: e.FullName(), Field: "data", Reason: fmt.Sprintf("Validate panicked: %v", r)}
		}
	}()
	// *T has the methods of T and *T; asking a nil *T costs nothing, where
	// making an interface of v would move it to the heap on every call. An
	// interface T holds a value that may have its own.
	if _, ok := any((*T)(nil)).(validator); ok || reflect.TypeFor[T]().Kind() == reflect.Interface {
		err = callValidate(v)
	}
	if err == nil {
		return nil
	}
	if ve, ok := err.(*ValidationError); ok {
		named := *ve
		if named.Event == "" {
			named.Event = e.FullName()
		}
		if named.Field == "" {
			named.Field = "data"
		}
		return &named
	}
	return &ValidationError{Event: e.FullName(), Field: "data", Reason: err.Error(), Err: err}
}

// callValidate returns what the Validate method of v, or of &v, returns.
func callValidate[T any](v T) error {
	if val, ok := any(v).(validator); ok {
		return val.Validate()
	}
	if val, ok := any(&v).(validator); ok {
		return val.Validate()
	}
	return nil
}
