package driver

import (
	"encoding/json"
	"fmt"

	"github.com/herald-go/herald"
)

// EncodeData returns the JSON of e's data, as a store that encodes events
// keeps it: nil for nil data, a [json.RawMessage] as it is once checked
// ([CheckRawData]), anything else through encoding/json. Data that has no
// JSON, or whose own marshaling panics, is a [herald.ValidationError] for
// the field "data" ([DataError]).
func EncodeData(e *herald.Event) (b []byte, err error) {
	switch d := e.Data.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return CheckRawData(e, d)
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, DataError(e, fmt.Errorf("panicked: %v", r))
		}
	}()
	if b, err = json.Marshal(e.Data); err != nil {
		return nil, DataError(e, err)
	}
	return b, nil
}

// CheckRawData returns d, e's data, once checked to be valid JSON; nil for
// nil. Invalid JSON is a [herald.ValidationError] for the field "data".
func CheckRawData(e *herald.Event, d json.RawMessage) ([]byte, error) {
	if d == nil {
		return nil, nil
	}
	if !json.Valid(d) {
		return nil, &herald.ValidationError{Event: e.FullName(), Field: "data", Reason: "is a json.RawMessage that is not valid JSON"}
	}
	return d, nil
}

// DataError is the [herald.ValidationError] for e's data that does not
// encode as JSON, wrapping err.
func DataError(e *herald.Event, err error) error {
	return &herald.ValidationError{Event: e.FullName(), Field: "data", Reason: "does not encode as JSON: " + err.Error(), Err: err}
}
