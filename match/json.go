package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/herald-go/herald/internal/excerpt"
)

// jsonKind is the kind of a parsed pattern value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value that keeps the order of object keys,
// so errors name fields in the order they were written.
type jsonValue struct {
	kind  jsonKind
	b     bool
	n     float64
	s     string
	items []*jsonValue
	keys  []string
	vals  []*jsonValue
}

func (v *jsonValue) kindName() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[v.kind]
}

func parsePatternJSON(b []byte) (*jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the pattern object")
	}
	return v, nil
}

// maxPatternDepth is how deep lists and objects may nest in a pattern, as
// in encoding/json: a pattern is read by recursion, as it is compiled and
// matched, so a deeper one would exhaust the stack.
const maxPatternDepth = 10000

// readJSONValue reads the value that comes next, depth lists and objects
// down.
func readJSONValue(dec *json.Decoder, depth int) (*jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("empty pattern")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	case json.Number:
		n, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			// err quotes the number whole; say why only.
			return nil, fmt.Errorf("number %s: %w", excerpt.Text(string(t)), errors.Unwrap(err))
		}
		return &jsonValue{kind: jsonNumber, n: n}, nil
	case string:
		return &jsonValue{kind: jsonString, s: t}, nil
	case json.Delim:
		if depth == maxPatternDepth {
			return nil, fmt.Errorf("lists and objects nested more than %d deep", maxPatternDepth)
		}
		if t == '[' {
			v := &jsonValue{kind: jsonArray}
			for dec.More() {
				item, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token()
			return v, err
		}
		v := &jsonValue{kind: jsonObject}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := tok.(string)
			for _, k := range v.keys {
				if k == key {
					return nil, fmt.Errorf("field %s appears twice", excerpt.Quote(key))
				}
			}
			val, err := readJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			v.keys, v.vals = append(v.keys, key), append(v.vals, val)
		}
		_, err := dec.Token()
		return v, err
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
