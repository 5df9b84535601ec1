package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/herald-go/herald"
)

// postEvents answers POST /events: it publishes the body's event, or its
// batch atomically, and answers 201 with what was stored.
func (h *Handler) postEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := h.authorize(w, r, h.cfg.senderRole)
	if !ok {
		return
	}
	body, p := h.readBody(w, r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	sent, batch, p := decodeBody(body)
	if p != nil {
		writeProblem(w, p)
		return
	}
	events := make([]herald.Event, len(sent))
	for i := range sent {
		events[i] = sent[i].event
		if !sent[i].user && c.user != nil {
			// An event that names no user, not even null, is the caller's.
			u := *c.user
			events[i].User = &u
		}
	}
	stored, err := h.publisher.PublishBatch(r.Context(), events)
	if err != nil {
		if p := publishProblem(err, sent); p != nil {
			writeProblem(w, p)
			return
		}
		h.fail(w, r, err)
		return
	}
	if batch {
		h.writeJSON(w, r, http.StatusCreated, stored)
		return
	}
	h.writeJSON(w, r, http.StatusCreated, stored[0])
}

// publishProblem is the 422 answer to the publisher's refusal of events,
// naming each event and field at fault; nil when err refuses none.
func publishProblem(err error, sent []sentEvent) *problem {
	refusals := validationErrors(err, nil)
	if len(refusals) == 0 {
		return nil
	}
	faults := make([]problemItem, 0, len(refusals))
	for _, ve := range refusals {
		s := sentOf(ve.Event, sent)
		field := ve.Field
		if s != nil && s.adsp {
			field = adspField(field)
		}
		f := problemItem{Field: field, Event: ve.Event, Detail: ve.Error()}
		if s != nil {
			f.Pointer = pointer(s.path + fieldPointer(field) + schemaPointer(ve))
		}
		faults = append(faults, f)
	}
	return faultsProblem(http.StatusUnprocessableEntity, faults)
}

// schemaPointer is the JSON Pointer into the data of the one value its
// schema refused, "" when ve is no such refusal.
func schemaPointer(ve *herald.ValidationError) string {
	var se *herald.SchemaError
	if ve.Field != "data" || !errors.As(ve.Err, &se) || len(se.Failures) != 1 {
		return ""
	}
	return se.Failures[0].Pointer
}

// validationErrors appends to out every *herald.ValidationError in err's
// tree, those that errors.Join joined included.
func validationErrors(err error, out []*herald.ValidationError) []*herald.ValidationError {
	switch e := err.(type) {
	case nil:
		return out
	case *herald.ValidationError:
		return append(out, e)
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			out = validationErrors(inner, out)
		}
		return out
	case interface{ As(any) bool }:
		var ve *herald.ValidationError
		if e.As(&ve) {
			return append(out, ve)
		}
	}
	return validationErrors(errors.Unwrap(err), out)
}

// sentOf returns the one event sent whose full name is name (the only
// one, for a single event), nil when none or several are: a refusal
// names its event, not its place.
func sentOf(name string, sent []sentEvent) *sentEvent {
	if len(sent) == 1 {
		return &sent[0]
	}
	var found *sentEvent
	for i := range sent {
		if sent[i].event.FullName() != name {
			continue
		}
		if found != nil {
			return nil
		}
		found = &sent[i]
	}
	return found
}

// adspNames are the envelope's fields under their names in ADSP's shape.
var adspNames = []struct{ envelope, adsp string }{
	{"context.name", "namespace"}, {"data", "payload"}, {"metadata.timestamp", "timestamp"},
	{"metadata.correlationId", "correlationId"}, {"metadata.labels", "context"},
}

// adspField names an envelope field as ADSP's shape does.
func adspField(field string) string {
	for _, n := range adspNames {
		if field == n.envelope {
			return n.adsp
		}
		if rest, ok := strings.CutPrefix(field, n.envelope+"."); ok {
			return n.adsp + "." + rest
		}
	}
	return field
}
