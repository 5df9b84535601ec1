package storetest

import (
	"encoding/json"
	"errors"
	"math"

	"github.com/herald-go/herald"
)

// unencodableBatches are batches whose second event's data has no JSON:
// every store refuses them as a *herald.ValidationError for "data", the
// in-memory ones too, though they keep data as Go values.
func unencodableBatches() []badBatch {
	cyclic := &cycle{}
	cyclic.Next = cyclic
	data := []struct {
		name string
		data any
	}{
		{"a func", func() {}},
		{"a channel", make(chan int)},
		{"a complex number", complex(1, 2)},
		{"NaN", math.NaN()},
		{"an infinity in a struct", struct{ F float64 }{math.Inf(1)}},
		{"a map with float keys", map[float64]string{1.5: "x"}},
		{"a func in an interface in a map", map[string]any{"f": func() {}}},
		{"malformed raw JSON", json.RawMessage(`{"a":`)},
		{"a failing MarshalJSON", failingJSON{}},
		{"a panicking MarshalJSON", panickingJSON{}},
		{"a cycle", cyclic},
	}
	batches := make([]badBatch, len(data))
	for i, d := range data {
		batches[i] = spoiled("data is "+d.name, "data", func(e *herald.Event) { e.Data = d.data })
	}
	return batches
}

type cycle struct{ Next *cycle }

type failingJSON struct{}

func (failingJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("no JSON today") }

type panickingJSON struct{}

func (panickingJSON) MarshalJSON() ([]byte, error) { panic("no JSON ever") }
