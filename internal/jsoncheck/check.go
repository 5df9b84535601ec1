package jsoncheck

import (
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sync"
)

// Check returns nil when json.Marshal(v) succeeds, and else the error it
// returns; a panic of the value's own MarshalJSON is an error too. Values
// of types that always encode (bools, integers, strings, and structs,
// arrays, slices, maps and pointers made of them) cost a cache lookup;
// others are encoded and the bytes thrown away.
func Check(v any) (err error) {
	if v == nil || alwaysEncodes(reflect.TypeOf(v)) {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panicked: %v", r)
		}
	}()
	return json.NewEncoder(io.Discard).Encode(v)
}

// verdicts caches alwaysEncodes per type.
var verdicts sync.Map // reflect.Type -> bool

func alwaysEncodes(t reflect.Type) bool {
	if ok, found := verdicts.Load(t); found {
		return ok.(bool)
	}
	ok := encodesByType(t, make(map[reflect.Type]bool))
	verdicts.Store(t, ok)
	return ok
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// encodesByType reports whether every value of t encodes. It answers
// false where values decide (floats, which may be NaN; interfaces; types
// with marshaling methods of their own; recursive types, which may hold a
// cycle) and where nothing encodes (funcs, channels, complex numbers).
// seen holds the types being looked at further up.
func encodesByType(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] || marshalsItself(t) {
		return false
	}
	seen[t] = true
	defer delete(seen, t)
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	case reflect.Array, reflect.Slice, reflect.Pointer:
		return encodesByType(t.Elem(), seen)
	case reflect.Map:
		return plainKey(t.Key()) && encodesByType(t.Elem(), seen)
	case reflect.Struct:
		return fieldsEncode(t, seen)
	}
	return false
}

// marshalsItself reports whether t or *t has a MarshalJSON or MarshalText
// method, which may fail.
func marshalsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		p.Implements(jsonMarshaler) || p.Implements(textMarshaler)
}

// plainKey reports whether maps keyed by t encode their keys without a
// method of t's own.
func plainKey(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return !marshalsItself(t)
	}
	return false
}

// fieldsEncode reports whether the fields of struct type t that
// encoding/json encodes always encode.
func fieldsEncode(t reflect.Type, seen map[reflect.Type]bool) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if (!f.IsExported() && !f.Anonymous) || f.Tag.Get("json") == "-" {
			continue
		}
		if !encodesByType(f.Type, seen) {
			return false
		}
	}
	return true
}
