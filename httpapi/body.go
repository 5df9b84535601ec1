package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/herald-go/herald"
)

// sentEvent is one event of a POST /events body, decoded.
type sentEvent struct {
	event herald.Event
	adsp  bool   // sent in ADSP's shape
	user  bool   // it has a user member, null included
	path  string // its JSON Pointer in the body: "" or "/3"
}

// readBody reads r's body, at most the handler's limit.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *problem) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &problem{Status: http.StatusRequestEntityTooLarge, Type: typeBodyTooLarge,
			Detail: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit)}
	case err != nil:
		return nil, &problem{Status: http.StatusBadRequest, Type: typeInvalidRequest, Detail: "the body could not be read: " + err.Error()}
	}
	return body, nil
}

// decodeBody decodes a body of one event (batch false) or an array of
// them. Every fault of every event is in the problem.
func decodeBody(body []byte) (sent []sentEvent, batch bool, p *problem) {
	body = bytes.TrimSpace(body)
	if p := checkSyntax(body); p != nil {
		return nil, false, p
	}
	var items []json.RawMessage
	switch body[0] {
	case '[':
		batch = true
		_ = json.Unmarshal(body, &items) // valid JSON, an array
		if len(items) == 0 {
			return nil, true, &problem{Status: http.StatusBadRequest, Type: typeInvalidEvent,
				Pointer: pointer(""), Detail: "the batch is empty"}
		}
	case '{':
		items = []json.RawMessage{body}
	default:
		return nil, false, &problem{Status: http.StatusBadRequest, Type: typeMalformedJSON,
			Pointer: pointer(""), Detail: "want an event object or an array of them"}
	}
	var faults []problemItem
	for i, raw := range items {
		path := ""
		if batch {
			path = "/" + strconv.Itoa(i)
		}
		s, f := decodeItem(raw, path)
		sent, faults = append(sent, s), append(faults, f...)
	}
	if len(faults) > 0 {
		return nil, batch, faultsProblem(http.StatusBadRequest, faults)
	}
	return sent, batch, nil
}

// checkSyntax returns the problem of a body that is empty or not JSON.
func checkSyntax(body []byte) *problem {
	if len(body) == 0 {
		return &problem{Status: http.StatusBadRequest, Type: typeMalformedJSON, Pointer: pointer(""), Detail: "the body is empty"}
	}
	if json.Valid(body) {
		return nil
	}
	var v any
	err := json.Unmarshal(body, &v) // for the error, which says where
	detail := "the body is not JSON: " + err.Error()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		detail = fmt.Sprintf("the body is not JSON: at byte %d: %v", se.Offset, err)
	}
	return &problem{Status: http.StatusBadRequest, Type: typeMalformedJSON, Pointer: pointer(""), Detail: detail}
}

// faultsProblem is the problem of one or more faults of the events sent;
// the first names its field at the top.
func faultsProblem(status int, faults []problemItem) *problem {
	p := &problem{Status: status, Type: typeInvalidEvent, Field: faults[0].Field, Pointer: faults[0].Pointer,
		Event: faults[0].Event, Detail: faults[0].Detail}
	if len(faults) > 1 {
		p.Errors = faults
		p.Detail = fmt.Sprintf("%s (and %d more)", faults[0].Detail, len(faults)-1)
	}
	return p
}

// decodeItem decodes one event of the body, at path, in whichever shape
// it is.
func decodeItem(raw json.RawMessage, path string) (sentEvent, []problemItem) {
	s := sentEvent{path: path}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return s, []problemItem{{Pointer: pointer(path), Detail: "want an event object"}}
	}
	_, hasNamespace := members["namespace"]
	_, hasPayload := members["payload"]
	_, s.user = members["user"]
	s.adsp = hasNamespace || hasPayload
	spec, shape := envelopeFields, "wolkenkit's envelope"
	if s.adsp {
		spec, shape = adspFields, "an event in ADSP's shape (it has namespace or payload)"
	}
	if faults := checkFields(members, spec, path, "", shape); len(faults) > 0 {
		return s, faults
	}
	var err error
	if s.adsp {
		s.event, err = decodeADSP(raw)
	} else {
		err = json.Unmarshal(raw, &s.event)
		s.event.Metadata.Position = 0 // the store assigns it
	}
	if err != nil {
		return s, []problemItem{decodeFault(err, path)}
	}
	return s, nil
}

// decodeFault names the field of an error decoding an event.
func decodeFault(err error, path string) problemItem {
	var ve *herald.ValidationError
	var te *json.UnmarshalTypeError
	field := ""
	switch {
	case errors.As(err, &ve):
		field = ve.Field
	case errors.As(err, &te):
		field = te.Field
	}
	return problemItem{Field: field, Pointer: pointer(path + fieldPointer(field)), Detail: err.Error()}
}

// fields is the members an object of an event may have, each with the
// members it may have in turn when it is an object (nil: any).
type fields map[string]fields

// envelopeFields are wolkenkit's envelope's members.
var envelopeFields = fields{
	"context": {"name": nil}, "aggregate": {"name": nil, "id": nil},
	"name": nil, "id": nil, "type": nil, "data": nil, "user": {"id": nil},
	"metadata": {
		"timestamp": nil, "position": nil, "revision": nil, "causationId": nil, "correlationId": nil,
		"labels":       nil,
		"isAuthorized": {"owner": nil, "forAuthenticated": nil, "forPublic": nil},
	},
}

// checkFields reports the members of an object that spec, the fields of
// shape, does not know, at path in the body and under the dotted field
// name.
func checkFields(members map[string]json.RawMessage, spec fields, path, field, shape string) []problemItem {
	var faults []problemItem
	for _, k := range slices.Sorted(maps.Keys(members)) {
		name := k
		if field != "" {
			name = field + "." + k
		}
		at := path + "/" + escapePointer(k)
		child, known := spec[k]
		if !known {
			faults = append(faults, problemItem{Field: name, Pointer: pointer(at), Detail: name + ": unknown field of " + shape})
			continue
		}
		var inner map[string]json.RawMessage
		if child != nil && json.Unmarshal(members[k], &inner) == nil && inner != nil {
			faults = append(faults, checkFields(inner, child, at, name, shape)...)
		}
	}
	return faults
}

// fieldPointer turns a dotted field name into a JSON Pointer.
func fieldPointer(field string) string {
	if field == "" {
		return ""
	}
	parts := strings.Split(field, ".")
	for i, p := range parts {
		parts[i] = escapePointer(p)
	}
	return "/" + strings.Join(parts, "/")
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
