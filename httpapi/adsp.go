package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// ADSPAggregate is the aggregate name of an event sent in ADSP's shape
// that names no aggregate of its own.
const ADSPAggregate = "events"

// ADSPCorrelationLabel is the label that keeps an ADSP correlation id
// that is not a uuid, as it was sent.
const ADSPCorrelationLabel = "correlationId"

// adspSpace is the namespace of the name-based (version 5) uuids made
// for ADSP's namespaces and correlation ids.
var adspSpace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:herald:adsp"))

// adspFields are the members of an event in ADSP's shape, and the two
// the API adds: the event's id and its aggregate.
var adspFields = fields{
	"namespace": nil, "name": nil, "timestamp": nil, "correlationId": nil, "context": nil, "payload": nil,
	"id": nil, "aggregate": {"name": nil, "id": nil},
}

// adspWire mirrors an event in ADSP's shape.
type adspWire struct {
	Namespace     string                     `json:"namespace"`
	Name          string                     `json:"name"`
	ID            string                     `json:"id"`
	Timestamp     json.RawMessage            `json:"timestamp"`
	CorrelationID string                     `json:"correlationId"`
	Context       map[string]json.RawMessage `json:"context"`
	Payload       json.RawMessage            `json:"payload"`
	Aggregate     *struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	} `json:"aggregate"`
}

// decodeADSP decodes an event in ADSP's shape as the package overview
// maps it. Its errors name the field in ADSP's terms.
func decodeADSP(raw json.RawMessage) (herald.Event, error) {
	var w adspWire
	if err := json.Unmarshal(raw, &w); err != nil {
		return herald.Event{}, err
	}
	e := herald.Event{
		Aggregate: herald.AggregateRef{Context: w.Namespace, Name: ADSPAggregate, ID: ADSPAggregateID(w.Namespace)},
		Name:      w.Name,
	}
	if len(w.Payload) > 0 && string(w.Payload) != "null" {
		e.Data = w.Payload
	}
	var errs [5]error
	if w.Aggregate != nil && w.Aggregate.Name != "" {
		e.Aggregate.Name = w.Aggregate.Name
	}
	if w.Aggregate != nil && w.Aggregate.ID != "" {
		e.Aggregate.ID, errs[0] = parseUUID("aggregate.id", w.Aggregate.ID)
	}
	e.ID, errs[1] = parseUUID("id", w.ID)
	e.Metadata.Timestamp, errs[2] = parseTimestamp("timestamp", w.Timestamp)
	e.Metadata.Labels, errs[3] = adspLabels(w.Context)
	if w.CorrelationID != "" {
		e.Metadata.CorrelationID = CorrelationID(w.CorrelationID)
		if _, err := uuid.Parse(w.CorrelationID); err != nil || len(w.CorrelationID) != 36 {
			e.Metadata.Labels = withLabel(e.Metadata.Labels, ADSPCorrelationLabel, w.CorrelationID)
		}
	}
	return e, errors.Join(errs[:]...)
}

// ADSPAggregateID is the id of the aggregate of the events sent in ADSP's
// shape to namespace without an aggregate of their own: a version 5 uuid
// of the namespace, the same in every process.
func ADSPAggregateID(namespace string) uuid.UUID {
	return uuid.NewSHA1(adspSpace, []byte("namespace:"+namespace))
}

// CorrelationID is the correlation id that s, an ADSP correlation id or a
// query's, stands for: s itself when it is a uuid, else a version 5 uuid
// of it, the same in every process.
func CorrelationID(s string) uuid.UUID {
	if len(s) == 36 {
		if u, err := uuid.Parse(s); err == nil {
			return u
		}
	}
	return uuid.NewSHA1(adspSpace, []byte("correlation:"+s))
}

// adspLabels turns ADSP's context object into labels: strings as they
// are, numbers and booleans as their JSON text.
func adspLabels(ctx map[string]json.RawMessage) (map[string]string, error) {
	if len(ctx) == 0 {
		return nil, nil
	}
	labels := make(map[string]string, len(ctx))
	for k, v := range ctx {
		v = bytes.TrimSpace(v)
		switch {
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fieldError("context."+k, err.Error())
			}
			labels[k] = s
		case string(v) == "true" || string(v) == "false" || (len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')):
			labels[k] = string(v)
		default:
			return nil, fieldError("context."+k, "want a string, number or boolean (labels are flat), got "+excerpt.Text(string(v)))
		}
	}
	return labels, nil
}

func withLabel(labels map[string]string, k, v string) map[string]string {
	if labels == nil {
		labels = make(map[string]string, 1)
	}
	labels[k] = v
	return labels
}

// parseUUID parses an optional uuid; empty is the nil uuid.
func parseUUID(field, s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, fieldError(field, "want a uuid such as 0b866be9-f83c-4501-a54f-fa3facb582c5, got "+excerpt.Quote(s))
	}
	return u, nil
}

// parseTimestamp parses an optional JSON timestamp: an RFC 3339 string
// or a number of Unix milliseconds.
func parseTimestamp(field string, raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fieldError(field, err.Error())
		}
		return parseTime(field, s)
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return time.Time{}, fieldError(field, "want an RFC 3339 string or integer Unix milliseconds, got "+excerpt.Text(string(raw)))
	}
	return time.UnixMilli(ms).UTC(), nil
}

// parseTime parses an RFC 3339 time, for the field of an event.
func parseTime(field, s string) (time.Time, error) {
	t, reason := readTime(s)
	if reason != "" {
		return time.Time{}, fieldError(field, reason)
	}
	return t, nil
}

// readTime parses an RFC 3339 time, or says why it cannot.
func readTime(s string) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, "want an RFC 3339 time such as 2026-12-03T10:00:00Z, got " + excerpt.Quote(s)
	}
	return t.UTC(), ""
}

// fieldError is a *herald.ValidationError naming field.
func fieldError(field, reason string) error {
	return &herald.ValidationError{Field: field, Reason: reason}
}
