package herald

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/herald-go/herald/internal/option"
)

// upcastFunc turns the JSON data of one version of an event into the JSON
// data of the next version.
type upcastFunc = func(data json.RawMessage) (json.RawMessage, error)

// WithUpcast adds the upcaster that turns data stored at version from into the
// shape of version from+1. An event stored at an older version than its
// definition's ([WithVersion]) runs through the upcasters of every step up
// to the current version when it is read; the stored bytes stay as they
// are.
//
// When a definition has upcasters, every step from version 1 to the
// current one needs one; a definition at a version above 1 without any
// says its older events decode into the current type as they are. Define
// refuses a from below 1, a from at or above the current version, two
// upcasters for one step, a missing step and a nil fn.
func WithUpcast(from int, fn func(data json.RawMessage) (json.RawMessage, error)) DefineOption {
	return func(c *defineConfig) error {
		call := "WithUpcast(" + strconv.Itoa(from) + ")"
		switch {
		case fn == nil:
			return option.Invalid(call, "the upcaster is nil")
		case from < 1:
			return option.Invalid(call, "versions count from 1")
		}
		if _, ok := c.upcasters[from]; ok {
			return option.Invalid(call, fmt.Sprintf("a second upcaster for the step from version %d to %d", from, from+1))
		}
		if c.upcasters == nil {
			c.upcasters = make(map[int]upcastFunc)
		}
		c.upcasters[from] = fn
		return nil
	}
}

// setUpcasters checks the upcasters the options gave against the version
// of c's definition and gives them to it.
func (c *defineConfig) setUpcasters() error {
	if len(c.upcasters) == 0 {
		return nil
	}
	v := c.def.Version
	var errs []error
	for _, from := range sortedSteps(c.upcasters) {
		if from >= v {
			errs = append(errs, option.Invalid("WithUpcast("+strconv.Itoa(from)+")",
				fmt.Sprintf("the definition is at version %d: upcasters go from versions 1 to %d", v, v-1)))
		}
	}
	var missing []string
	for from := 1; from < v; from++ {
		if _, ok := c.upcasters[from]; !ok {
			missing = append(missing, strconv.Itoa(from))
		}
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("Upcast: the definition is at version %d and has upcasters, but none from version %s",
			v, strings.Join(missing, ", ")))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c.def.upcasters = make([]upcastFunc, v-1)
	for from, fn := range c.upcasters {
		c.def.upcasters[from-1] = fn
	}
	return nil
}

func sortedSteps(m map[int]upcastFunc) []int {
	steps := make([]int, 0, len(m))
	for from := range m {
		steps = append(steps, from)
	}
	sort.Ints(steps)
	return steps
}

// UpcastError is the detail of an event read at a version older than its
// definition's whose data could not be brought to the current version: an
// upcaster failed, panicked or returned something other than JSON, or the
// event is stored at a version newer than its definition. It matches
// [ErrInvalid].
type UpcastError struct {
	// Event is the event's full name.
	Event string
	// Position is the event's position in the log, 0 when it has none.
	Position uint64
	// From and To are the versions of the step that failed; for an event
	// newer than its definition, the stored version and the definition's.
	From, To int
	// Reason says what went wrong.
	Reason string
	// Err is the upcaster's error; it may be nil.
	Err error
}

// Error names the event, its position and the step.
func (e *UpcastError) Error() string {
	return fmt.Sprintf("event %s at position %d: upcast from version %d to %d: %s: %v",
		e.Event, e.Position, e.From, e.To, e.Reason, ErrInvalid)
}

// Is makes errors.Is(err, ErrInvalid) true for an *UpcastError.
func (e *UpcastError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the upcaster's error.
func (e *UpcastError) Unwrap() error { return e.Err }

// storedVersion is the version e's data has: its Version, 0 being 1.
func storedVersion(e *Event) int { return max(e.Metadata.Version, 1) }

// Upcast brings an event read at an older version of its definition to
// the current one: its data runs through the definition's upcasters, from
// the stored version up, and Metadata.Version becomes the definition's.
// JSON data (json.RawMessage or []byte) stays JSON, in the current shape;
// a Go value becomes a value of the defined type. An event at the current
// version, or without a definition, is left as it is. A failing upcaster,
// or an event stored at a version newer than its definition, is an
// *UpcastError and leaves e as it was; a nil e is an error matching
// ErrInvalid. [Registry.Decode] upcasts too, before it decodes.
func (r *Registry) Upcast(e *Event) error { return wrap(r.upcast(e)) }

// upcast is Upcast without the package prefix.
func (r *Registry) upcast(e *Event) error {
	if e == nil {
		return nilEvent()
	}
	if r == nil || (!r.versioned.Load() && e.Metadata.Version <= 1) {
		return nil
	}
	d := r.lookup(e)
	if d == nil || storedVersion(e) == d.Version {
		return nil
	}
	raw, isRaw := rawData(e.Data)
	if !isRaw {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return d.upcastError(e, storedVersion(e), "the data does not encode as JSON: "+err.Error(), err)
		}
		raw = b
	}
	up, err := d.upcastData(e, raw)
	if err != nil {
		return err
	}
	if isRaw {
		e.Data = json.RawMessage(up)
	} else {
		v, err := d.decode(up)
		if err != nil {
			return d.upcastError(e, d.Version-1, "the upcast data does not decode into "+d.Type.String()+": "+err.Error(), err)
		}
		e.Data = v
	}
	e.Metadata.Version = d.Version
	return nil
}

// upcastData returns raw, e's data as stored, in the shape of d's current
// version, e being at an older one or a newer one.
func (d *Definition) upcastData(e *Event, raw []byte) ([]byte, error) {
	from := storedVersion(e)
	if from > d.Version {
		return nil, &UpcastError{Event: e.FullName(), Position: e.Metadata.Position, From: from, To: d.Version,
			Reason: fmt.Sprintf("the event is stored at version %d, newer than its definition", from)}
	}
	if len(d.upcasters) == 0 {
		return raw, nil // the definition reads older data as it is
	}
	for v := from; v < d.Version; v++ {
		if v > len(d.upcasters) { // Version was changed after Define
			return nil, d.upcastError(e, v, fmt.Sprintf("the definition has no upcaster from version %d", v), nil)
		}
		next, err := runUpcaster(d.upcasters[v-1], raw)
		if err != nil {
			return nil, d.upcastError(e, v, err.Error(), errors.Unwrap(err))
		}
		raw = next
	}
	return raw, nil
}

func (d *Definition) upcastError(e *Event, from int, reason string, err error) error {
	return &UpcastError{Event: e.FullName(), Position: e.Metadata.Position, From: from, To: from + 1, Reason: reason, Err: err}
}

// runUpcaster runs fn on a copy of raw, so that no upcaster changes the
// stored bytes, and checks that it returns JSON.
func runUpcaster(fn upcastFunc, raw []byte) (out json.RawMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("the upcaster panicked: %v", r)
		}
	}()
	out, err = fn(append(json.RawMessage(nil), raw...))
	switch {
	case err != nil:
		return nil, fmt.Errorf("the upcaster failed: %w", err)
	case !json.Valid(out):
		return nil, errors.New("the upcaster returned something other than JSON")
	}
	return out, nil
}

// rawData returns data as JSON bytes when it is JSON read back from a
// store.
func rawData(data any) ([]byte, bool) {
	switch d := data.(type) {
	case json.RawMessage:
		return d, true
	case []byte:
		return d, true
	}
	return nil, false
}
