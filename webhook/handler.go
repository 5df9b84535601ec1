package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// maxRequest bounds the body of a request to the handler.
const maxRequest = 64 << 10

// Handler returns an http.Handler that manages the subscriptions:
//
//	POST   /subscriptions                                  create; answers 201 with the secret
//	GET    /subscriptions                                  {"subscriptions": [Status…]}
//	GET    /subscriptions/{id}                             a Status
//	PATCH  /subscriptions/{id}                             {"paused": true|false}: pause or resume
//	DELETE /subscriptions/{id}                             remove; answers 204
//	POST   /subscriptions/{id}/secret                      {"secret": optional}: rotate; answers with both secrets
//	GET    /subscriptions/{id}/dead-letters                {"deadLetters": [DeadLetter…]}
//	POST   /subscriptions/{id}/dead-letters/{event}/replay deliver again; 204
//	DELETE /subscriptions/{id}/dead-letters/{event}        discard; 204
//
// Failures are answered as application/problem+json (RFC 9457), with the
// field at fault for a subscription refused. It checks no caller: mount
// it behind the application's authentication, or use httpapi.WithWebhooks.
func (d *Dispatcher) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST /subscriptions", d.postSubscription)
	m.HandleFunc("GET /subscriptions", d.getSubscriptions)
	m.HandleFunc("GET /subscriptions/{id}", d.getSubscription)
	m.HandleFunc("PATCH /subscriptions/{id}", d.patchSubscription)
	m.HandleFunc("DELETE /subscriptions/{id}", d.deleteSubscription)
	m.HandleFunc("POST /subscriptions/{id}/secret", d.rotateSecret)
	m.HandleFunc("GET /subscriptions/{id}/dead-letters", d.getDeadLetters)
	m.HandleFunc("POST /subscriptions/{id}/dead-letters/{event}/replay", d.replayDeadLetter)
	m.HandleFunc("DELETE /subscriptions/{id}/dead-letters/{event}", d.discardDeadLetter)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "not-found", "", "no route for "+r.Method+" "+r.URL.Path)
	})
	return m
}

func (d *Dispatcher) postSubscription(w http.ResponseWriter, r *http.Request) {
	var s Subscription
	if !decode(w, r, &s) {
		return
	}
	created, err := d.Create(r.Context(), s)
	if err != nil {
		answerError(w, err)
		return
	}
	w.Header().Set("Location", "subscriptions/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

func (d *Dispatcher) getSubscriptions(w http.ResponseWriter, r *http.Request) {
	all, err := d.Subscriptions(r.Context())
	if err != nil {
		answerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]Status{"subscriptions": all})
}

func (d *Dispatcher) getSubscription(w http.ResponseWriter, r *http.Request) {
	s, err := d.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		answerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (d *Dispatcher) patchSubscription(w http.ResponseWriter, r *http.Request) {
	var change struct {
		Paused *bool `json:"paused"`
	}
	if !decode(w, r, &change) {
		return
	}
	if change.Paused == nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "paused", `paused: missing; send {"paused": true} or {"paused": false}`)
		return
	}
	setPaused := d.Resume
	if *change.Paused {
		setPaused = d.Pause
	}
	err := setPaused(r.Context(), r.PathValue("id"))
	if err != nil {
		answerError(w, err)
		return
	}
	d.getSubscription(w, r)
}

func (d *Dispatcher) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	if err := d.Remove(r.Context(), r.PathValue("id")); err != nil {
		answerError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (d *Dispatcher) rotateSecret(w http.ResponseWriter, r *http.Request) {
	var rotation struct {
		Secret string `json:"secret"`
	}
	if r.ContentLength != 0 && !decode(w, r, &rotation) {
		return
	}
	s, err := d.RotateSecret(r.Context(), r.PathValue("id"), rotation.Secret, 0)
	if err != nil {
		answerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

func (d *Dispatcher) getDeadLetters(w http.ResponseWriter, r *http.Request) {
	letters, err := d.DeadLetters(r.Context(), r.PathValue("id"))
	if err != nil {
		answerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]DeadLetter{"deadLetters": letters})
}

func (d *Dispatcher) replayDeadLetter(w http.ResponseWriter, r *http.Request) {
	d.onDeadLetter(w, r, d.Replay)
}

func (d *Dispatcher) discardDeadLetter(w http.ResponseWriter, r *http.Request) {
	d.onDeadLetter(w, r, d.Discard)
}

func (d *Dispatcher) onDeadLetter(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, id string, event uuid.UUID) error) {
	event, err := uuid.Parse(r.PathValue("event"))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "event", "event: not a UUID")
		return
	}
	if err := op(r.Context(), r.PathValue("id"), event); err != nil {
		answerError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decode reads a JSON body into v, or answers why it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequest))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeProblem(w, http.StatusRequestEntityTooLarge, "body-too-large", "", "the body is larger than 64 KiB")
		return false
	}
	writeProblem(w, http.StatusBadRequest, "malformed-json", "", "the body is not the JSON expected: "+err.Error())
	return false
}

// answerError answers err with the status and problem type it matches.
func answerError(w http.ResponseWriter, err error) {
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		writeProblem(w, http.StatusBadRequest, "invalid-subscription", fe.Field, err.Error())
	case errors.Is(err, herald.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "", err.Error())
	case errors.Is(err, herald.ErrDuplicate):
		writeProblem(w, http.StatusConflict, "conflict", "", err.Error())
	case errors.Is(err, herald.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", err.Error())
	case errors.Is(err, herald.ErrClosed):
		writeProblem(w, http.StatusServiceUnavailable, "unavailable", "", "the service is closing")
	default:
		var de *DeliveryError
		if errors.As(err, &de) { // a replay the receiver refused
			writeProblem(w, http.StatusBadGateway, "delivery-failed", "", err.Error())
			return
		}
		writeProblem(w, http.StatusInternalServerError, "internal", "", "the request failed")
	}
}

// problem is an RFC 9457 problem document, as httpapi answers them.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Field  string `json:"field,omitempty"`
}

func writeProblem(w http.ResponseWriter, status int, kind, field, detail string) {
	b, _ := json.Marshal(problem{Type: "urn:herald:problem:" + kind, Title: http.StatusText(status),
		Status: status, Detail: excerpt.Text(strings.ReplaceAll(detail, "\n", " ")), Field: field})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "internal", "", "the answer could not be encoded")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
