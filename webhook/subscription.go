package webhook

import (
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/match"
)

// Subscription is a service subscription: the events of EventTypes,
// POSTed to Service.Name and signed with Secret.
type Subscription struct {
	// ID identifies the subscription: letters, digits, "-" and "_", at
	// most 64; Create makes a UUID when it is empty.
	ID string `json:"id"`
	// Service is the receiver: its URL and its semantic version (which
	// may be left empty).
	Service Service `json:"service"`
	// EventTypes are the full names of the events delivered, each segment
	// literal or "*" ("communication.message.*"); "*.*.*" is every event.
	EventTypes []string `json:"eventTypes"`
	// Pattern, when not empty, is an event pattern in EventBridge's
	// language ([github.com/herald-go/herald/match.Pattern]) that an
	// event must match as well as EventTypes, such as
	// {"metadata":{"labels":{"tenant":["acme"]}}}.
	Pattern string `json:"pattern,omitempty"`
	// Secret signs the deliveries, "whsec_" and base64; Create makes one
	// when it is empty.
	Secret string `json:"secret,omitempty"`
	// PreviousSecret, while a secret is rotated, is the secret before it:
	// deliveries carry a signature under each until PreviousUntil, so a
	// receiver can change its secret in between ([Dispatcher.RotateSecret]).
	PreviousSecret string    `json:"previousSecret,omitempty"`
	PreviousUntil  time.Time `json:"previousUntil,omitzero"`
	// Paused stops the deliveries until the subscription is resumed; they
	// then go on from the first event not delivered.
	Paused bool `json:"paused"`
	// PausedReason says why the dispatcher paused it, such as the
	// receiver answering 410 Gone; empty when it was paused on request.
	PausedReason string `json:"pausedReason,omitempty"`
	// Created is when the subscription was made: it receives the events
	// published after.
	Created time.Time `json:"created,omitzero"`
}

// idPattern is what a subscription id may be made of.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// semver is a semantic version, as semver.org writes it.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// checked is a subscription whose fields were checked, with what they
// compile to.
type checked struct {
	sub    Subscription
	filter match.Filter
	secret Secret
}

// check returns s checked against the registry, with its id and secret
// made when they are empty when fill is true. An error matches
// herald.ErrInvalid and names the field.
func check(s Subscription, registry *herald.Registry, fill bool) (checked, error) {
	if fill && s.ID == "" {
		s.ID = uuid.NewString()
	}
	if fill && s.Secret == "" {
		s.Secret = NewSecret().String()
	}
	if !idPattern.MatchString(s.ID) {
		return checked{}, invalidField("id", "%q is not 1 to 64 letters, digits, \"-\" or \"_\"", s.ID)
	}
	if err := s.Service.Validate(); err != nil {
		return checked{}, fieldError("service.name", err)
	}
	if s.Service.Version != "" && !semver.MatchString(s.Service.Version) {
		return checked{}, invalidField("service.version", "%q is not a semantic version such as 1.2.0", s.Service.Version)
	}
	secret, err := ParseSecret(s.Secret)
	if err != nil {
		return checked{}, fieldError("secret", err)
	}
	if err := checkEventTypes(s.EventTypes, registry); err != nil {
		return checked{}, err
	}
	filter, err := match.NewFilter(s.EventTypes, s.Pattern)
	if err != nil {
		return checked{}, fieldError("pattern", err)
	}
	return checked{sub: s, filter: filter, secret: secret}, nil
}

// checkEventTypes checks the event types, each of which must match a
// definition of a strict registry.
func checkEventTypes(types []string, registry *herald.Registry) error {
	if len(types) == 0 {
		return invalidField("eventTypes", "is empty: name at least one event type (\"*.*.*\" for every event)")
	}
	for _, t := range types {
		one, err := match.ParseNames(t)
		if err != nil {
			return fieldError("eventTypes", err)
		}
		if registry.Strict() && !matchesDefinition(one, registry) {
			return invalidField("eventTypes", "%q matches no event defined in the strict registry", t)
		}
	}
	return nil
}

func matchesDefinition(names match.Names, registry *herald.Registry) bool {
	for _, d := range registry.Definitions() {
		e := herald.Event{Aggregate: herald.AggregateRef{Context: d.Context, Name: d.Aggregate}, Name: d.Name}
		if names.Match(&e) {
			return true
		}
	}
	return false
}

// FieldError is the detail of a subscription refused: the field at fault
// (as its JSON path, such as "service.name") and why.
type FieldError struct {
	Field string
	Err   error
}

// Error names the field and the reason.
func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason, which matches herald.ErrInvalid.
func (e *FieldError) Unwrap() error { return e.Err }

func invalidField(field, format string, args ...any) error {
	return prefix.Errorf("webhook", "check subscription: %w", &FieldError{Field: field,
		Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), herald.ErrInvalid)})
}

func fieldError(field string, err error) error {
	if !errors.Is(err, herald.ErrInvalid) {
		err = fmt.Errorf("%w: %w", err, herald.ErrInvalid)
	}
	return prefix.Errorf("webhook", "check subscription: %w", &FieldError{Field: field, Err: prefix.Strip(err)})
}

// NewSecret returns a new random secret of 24 bytes.
func NewSecret() Secret {
	key := make([]byte, 24)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return Secret{key: key}
}

// redacted returns s without its secrets.
func (s Subscription) redacted() Subscription {
	s.Secret, s.PreviousSecret = "", ""
	return s
}

// secrets returns the secrets that sign a delivery at now: the secret,
// and the previous one while it is kept.
func (s Subscription) secrets(now time.Time) []Secret {
	out := make([]Secret, 0, 2)
	if k, err := ParseSecret(s.Secret); err == nil {
		out = append(out, k)
	}
	if s.PreviousSecret != "" && now.Before(s.PreviousUntil) {
		if k, err := ParseSecret(s.PreviousSecret); err == nil {
			out = append(out, k)
		}
	}
	return out
}
