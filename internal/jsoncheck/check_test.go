package jsoncheck_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/jsoncheck"
)

type plain struct {
	Name  string            `json:"name"`
	Count int               `json:"count"`
	Tags  []string          `json:"tags"`
	Meta  map[string]uint16 `json:"meta"`
	skip  func()
	Skip  chan int `json:"-"`
}

type withFloat struct{ Price float64 }

type badMarshal struct{}

func (badMarshal) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

type panicMarshal struct{}

func (*panicMarshal) MarshalJSON() ([]byte, error) { panic("never") }

type node struct{ Next *node }

func TestCheckAgreesWithMarshal(t *testing.T) {
	cyclic := &node{}
	cyclic.Next = cyclic
	values := map[string]any{
		"nil":                 nil,
		"string":              "x",
		"plain struct":        plain{Name: "a", Tags: []string{"b"}, skip: func() {}, Skip: make(chan int)},
		"pointer to plain":    &plain{},
		"float":               1.5,
		"NaN":                 math.NaN(),
		"infinity in struct":  withFloat{math.Inf(-1)},
		"func":                func() {},
		"channel":             make(chan int),
		"complex":             complex(1, 1),
		"map with float keys": map[float64]int{1: 1},
		"map of any":          map[string]any{"a": 1, "b": []any{"c", 2.5}},
		"func in a map":       map[string]any{"f": func() {}},
		"raw JSON":            json.RawMessage(`{"a":1}`),
		"malformed raw JSON":  json.RawMessage(`{"a":`),
		"failing marshaler":   badMarshal{},
		"panicking marshaler": &panicMarshal{},
		"time":                time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		"year 10000":          time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		"uuid":                uuid.New(),
		"recursive, no cycle": &node{Next: &node{}},
		"cycle":               cyclic,
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			err := jsoncheck.Check(v)
			_, marshalErr := marshal(v)
			if marshalErr == nil {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// marshal is json.Marshal with a panic as an error.
func marshal(v any) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("panicked")
		}
	}()
	return json.Marshal(v)
}

func TestCheckOfAPlainTypeAllocatesNothing(t *testing.T) {
	var v any = plain{Name: "a"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = jsoncheck.Check(v) }))
}
