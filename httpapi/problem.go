package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// The problem types of the API's answers: URNs, one per kind of failure.
const (
	typeMalformedJSON    = "urn:herald:problem:malformed-json"
	typeInvalidEvent     = "urn:herald:problem:invalid-event"
	typeInvalidParameter = "urn:herald:problem:invalid-parameter"
	typeInvalidRequest   = "urn:herald:problem:invalid-request"
	typeBodyTooLarge     = "urn:herald:problem:body-too-large"
	typeUnauthorized     = "urn:herald:problem:unauthorized"
	typeForbidden        = "urn:herald:problem:forbidden"
	typeNotFound         = "urn:herald:problem:not-found"
	typeMethodNotAllowed = "urn:herald:problem:method-not-allowed"
	typeConflict         = "urn:herald:problem:conflict"
	typeUnavailable      = "urn:herald:problem:unavailable"
	typeInternal         = "urn:herald:problem:internal"
)

// problem is an RFC 9457 problem document, with the field at fault named
// as a request parameter or envelope field (Field) and, in a body, as a
// JSON Pointer (Pointer). Errors lists every fault when there are several.
type problem struct {
	Type    string        `json:"type"`
	Title   string        `json:"title"`
	Status  int           `json:"status"`
	Detail  string        `json:"detail,omitempty"`
	Field   string        `json:"field,omitempty"`
	Pointer *string       `json:"pointer,omitempty"`
	Event   string        `json:"event,omitempty"`
	Errors  []problemItem `json:"errors,omitempty"`
}

// problemItem is one fault of a problem with several.
type problemItem struct {
	Detail  string  `json:"detail"`
	Field   string  `json:"field,omitempty"`
	Pointer *string `json:"pointer,omitempty"`
	Event   string  `json:"event,omitempty"`
}

// writeProblem answers with p as application/problem+json; its title is
// the status text unless set.
func writeProblem(w http.ResponseWriter, p *problem) {
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Detail = strings.ReplaceAll(excerpt.Text(p.Detail), "\n", " ")
	b, err := json.Marshal(p)
	if err != nil { // a problem holds strings and ints only
		b = []byte(`{"type":"` + typeInternal + `","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(b, '\n'))
}

func unauthorized(detail string) *problem {
	return &problem{Status: http.StatusUnauthorized, Type: typeUnauthorized, Detail: detail}
}

// badParameter is the problem of a query parameter or path value.
func badParameter(field, detail string) *problem {
	return &problem{Status: http.StatusBadRequest, Type: typeInvalidParameter, Field: field, Detail: field + ": " + detail}
}

// pointer returns p for a problem's Pointer field.
func pointer(p string) *string { return &p }

// storeProblem is the answer to an error of the store or a consumer
// that no route-specific check explained.
func storeProblem(err error) *problem {
	switch {
	case errors.Is(err, herald.ErrNotFound):
		return &problem{Status: http.StatusNotFound, Type: typeNotFound, Detail: err.Error()}
	case errors.Is(err, herald.ErrConflict), errors.Is(err, herald.ErrDuplicate):
		return &problem{Status: http.StatusConflict, Type: typeConflict, Detail: err.Error()}
	case errors.Is(err, herald.ErrInvalid):
		return &problem{Status: http.StatusBadRequest, Type: typeInvalidRequest, Detail: err.Error()}
	case errors.Is(err, herald.ErrClosed):
		return &problem{Status: http.StatusServiceUnavailable, Type: typeUnavailable, Detail: "the service is closing"}
	}
	return &problem{Status: http.StatusInternalServerError, Type: typeInternal, Detail: "the request failed; the server's log says why"}
}

// fail answers err as storeProblem does, and logs it when it is the
// server's fault.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := storeProblem(err)
	if p.Status >= 500 {
		h.cfg.logger.ErrorContext(r.Context(), "httpapi: request failed",
			"method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeProblem(w, p)
}

// writeJSON answers with v as JSON.
func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.cfg.logger.ErrorContext(r.Context(), "httpapi: encode the answer", "path", r.URL.Path, "error", err)
		writeProblem(w, &problem{Status: http.StatusInternalServerError, Type: typeInternal,
			Detail: "the answer could not be encoded; the server's log says why"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
