package herald

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Personal fields.
const (
	// PersonalTag is the struct tag value that marks a field of an
	// event's data as personal: `herald:"personal"`. Such a field must be
	// a top-level field of the data's struct type, encoded in JSON, of a
	// string kind. Stores that keep user keys ([Publisher.ForgetUser])
	// keep the field encrypted with a key of the event's user and decrypt
	// it on every read; once the user is forgotten they read it back as
	// "" and mark the event [Metadata.Redacted].
	PersonalTag = "personal"
	// PersonalKeyword is the annotation a derived schema gives each
	// personal field: "x-personal": true in the field's property, which
	// validators ignore and catalogues ([Registry.AsyncAPI]) carry along.
	PersonalKeyword = "x-personal"
)

// PersonalFields returns the JSON names of d's personal fields, in the
// order of the struct's fields; nil when it has none. The slice is
// shared: do not change it.
func (d *Definition) PersonalFields() []string {
	if d == nil {
		return nil
	}
	return d.personal
}

// PersonalFields returns the JSON names of the personal fields of e's
// definition, nil when e is undefined or its definition has none. It is
// what a store asks for each event it appends; a registry without personal
// definitions answers without a lookup. The slice is shared: do not change
// it.
func (r *Registry) PersonalFields(e *Event) []string {
	if r == nil || e == nil || !r.personal.Load() {
		return nil
	}
	return r.lookup(e).PersonalFields()
}

// checkPersonal finds d's personal fields, or reports a personal tag
// where none is supported; it refuses to define the event ForgetUser
// publishes, which every registry knows.
func (d *Definition) checkPersonal() error {
	if d.Context == userContext && d.Aggregate == userAggregate && d.Name == userDeletedName {
		return errorf("define %s: the event Publisher.ForgetUser publishes, which every registry knows: %w", d.FullName(), ErrInvalid)
	}
	t := d.Type
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return d.nestedPersonal(t)
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !isPersonal(f) {
			if err := d.nestedPersonal(f.Type); err != nil {
				return err
			}
			continue
		}
		err := checkPersonalField(f)
		var name string
		if err == nil {
			name, err = encodedName(t, i)
		}
		if err != nil {
			return errorf("define %s: field %s: %s: %w", d.FullName(), f.Name, err, ErrInvalid)
		}
		d.personal = append(d.personal, name)
	}
	return nil
}

// isPersonal reports whether f carries the personal tag.
func isPersonal(f reflect.StructField) bool {
	tag, ok := f.Tag.Lookup("herald")
	if !ok {
		return false
	}
	for _, v := range strings.Split(tag, ",") {
		if strings.TrimSpace(v) == PersonalTag {
			return true
		}
	}
	return false
}

// checkPersonalField returns why f cannot be a personal field, nil when
// it can; encodedName then finds the member it is written as.
func checkPersonalField(f reflect.StructField) error {
	switch {
	case !f.IsExported():
		return fmt.Errorf("is personal but not exported, so it is not encoded")
	case f.Anonymous:
		return fmt.Errorf("is personal but embedded; mark the fields of its type instead, at the top level")
	case f.Type.Kind() != reflect.String:
		return fmt.Errorf("is personal but of type %v; personal fields must be of a string kind", f.Type)
	case f.Tag.Get("json") == "-":
		return fmt.Errorf(`is personal but tagged json:"-", so it is not encoded`)
	}
	return nil
}

// nestedPersonal reports a personal tag anywhere inside t, where personal
// fields are not supported: only the top-level fields of the data count.
func (d *Definition) nestedPersonal(t reflect.Type) error {
	if path := findNestedPersonal(t, map[reflect.Type]bool{}); path != "" {
		return errorf("define %s: field %s is tagged personal inside the data; only top-level fields may be personal: %w", d.FullName(), path, ErrInvalid)
	}
	return nil
}

// findNestedPersonal returns the path of a personal field inside t, ""
// when there is none.
func findNestedPersonal(t reflect.Type, seen map[reflect.Type]bool) string {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
		default:
			return ""
		}
		break
	}
	if t == nil || seen[t] {
		return ""
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		if isPersonal(f) {
			return t.String() + "." + f.Name
		}
		if path := findNestedPersonal(f.Type, seen); path != "" {
			return path
		}
	}
	return ""
}

// personalProbe is the value encodedName gives the field it looks for.
const personalProbe = "herald personal field probe"

// encodedName returns the member under which encoding/json writes field i
// of the struct type t, asking encoding/json itself: a tag name it does
// not accept, or a MarshalJSON of the type's own, would otherwise leave a
// personal field unsealed.
func encodedName(t reflect.Type, i int) (string, error) {
	v := reflect.New(t)
	v.Elem().Field(i).SetString(personalProbe)
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return "", fmt.Errorf("the data does not encode as JSON: %w", err)
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) == nil {
		for name, value := range members {
			if string(value) == `"`+personalProbe+`"` {
				return name, nil
			}
		}
	}
	return "", fmt.Errorf("is personal but its value is not a member of the data's JSON object")
}
