package push

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// Query parameters of a stream request.
const (
	// ParamLastEventID resumes a stream after an event position, like the
	// Last-Event-ID header, which takes precedence over it.
	ParamLastEventID = "lastEventId"
	// ParamCriteria narrows a stream with Criteria in JSON.
	ParamCriteria = "criteria"
)

// lastEventID returns the position a request resumes after: the
// Last-Event-ID header, else the lastEventId query parameter. An
// EventSource that reconnects sends the header, with the URL it was made
// with, so the header wins. An empty value does not resume.
func lastEventID(r *http.Request, q url.Values) (pos uint64, resuming bool, err error) {
	v := r.Header.Get("Last-Event-ID")
	name := "the Last-Event-ID header"
	if v == "" {
		vs := q[ParamLastEventID]
		if len(vs) > 1 {
			return 0, false, errorf("give the %s query parameter once: %w", ParamLastEventID, herald.ErrInvalid)
		}
		if len(vs) == 1 {
			v = vs[0]
		}
		name = "the " + ParamLastEventID + " query parameter"
	}
	if v == "" {
		return 0, false, nil
	}
	pos, err = strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, false, errorf("%s %s is not an event position (a decimal integer): %w",
			name, excerpt.Quote(v), herald.ErrInvalid)
	}
	return pos, true, nil
}

// parseCriteria returns the criteria query parameter's Criteria, nil when
// there is none, it is empty, or it holds for every event. It must be one
// JSON object with only the fields of Criteria.
func parseCriteria(q url.Values) (*Criteria, error) {
	vs, ok := q[ParamCriteria]
	if !ok {
		return nil, nil
	}
	invalid := func(reason string) error {
		return errorf("the %s query parameter: %s: %w", ParamCriteria, reason, herald.ErrInvalid)
	}
	if len(vs) != 1 {
		return nil, invalid("give it once")
	}
	raw := bytes.TrimSpace([]byte(vs[0]))
	if len(raw) == 0 {
		return nil, nil // as if there were none, like an empty lastEventId
	}
	if raw[0] != '{' {
		return nil, invalid(`want a JSON object such as {"correlationId":"…","labels":{"room":"a"}}`)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c Criteria
	if err := dec.Decode(&c); err != nil {
		return nil, invalid(excerpt.Text(err.Error()))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("text after the JSON object")
	}
	if c.zero() {
		return nil, nil
	}
	return &c, nil
}
