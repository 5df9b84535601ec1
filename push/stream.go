package push

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// StreamListener is the conventional role of an operator who may tail the
// whole log ([Tail]), after ADSP's push service.
const StreamListener = "stream-listener"

// Stream is a stream of events that clients may open: a selection of the
// log's events by name, each optionally narrowed by criteria and projected
// by a map, and who may open it. Streams are defined in code and checked
// when they are registered ([Server.Register]).
type Stream struct {
	// ID identifies the stream: it is served at /streams/{ID}. It must be
	// non-empty, unique on its server, and free of "/", spaces and control
	// characters.
	ID string
	// Name is a short human name, such as "Application health".
	Name string
	// Description says what the stream holds.
	Description string
	// PublicSubscribe lets everyone open the stream, signed in or not.
	PublicSubscribe bool
	// SubscriberRoles are the roles that may open the stream when it is not
	// public; holding one of them is enough, even without a user (who then
	// sees only public events). A stream that is neither public nor has a
	// role could never be opened, and is refused.
	SubscriberRoles []string
	// Events select the stream's events; there must be at least one. An
	// event goes out if one of them selects it, projected by the Map of the
	// first that does.
	Events []StreamEvent
}

// StreamEvent selects events of a stream by name and criteria, and says how
// they are sent.
type StreamEvent struct {
	// Name is a full event name ("communication.message.sent"), each
	// segment literal or "*" ("communication.message.*", "*.*.*").
	Name string
	// Criteria, when not zero, narrow the events selected by Name.
	Criteria Criteria
	// Map, when not empty, sends a JSON object instead of the whole
	// envelope: each key of the object gets the value at its path in the
	// event's envelope, such as "data.text", "user.id",
	// "metadata.correlationId" or "metadata.labels.room": the paths of
	// [github.com/herald-go/herald/match.ParsePath], where "data.<field>…"
	// takes object keys and decimal indexes into lists. A value that is
	// missing in an event is sent as null. A path that cannot exist is
	// refused at registration; with a registry ([WithRegistry]) a data path
	// must exist, by JSON field names, in the Go type of one of the defined
	// events the name matches.
	Map map[string]string
}

// Criteria narrow a selection of events: every criterion set must hold.
// The zero Criteria hold for every event. In a request's criteria query
// parameter they are JSON: {"correlationId": "…", "labels": {"room": "a"}}.
type Criteria struct {
	// CorrelationID, when not the nil uuid, must be the event's.
	CorrelationID uuid.UUID `json:"correlationId"`
	// Labels must all be on the event with these values.
	Labels map[string]string `json:"labels,omitempty"`
}

// Match reports whether e meets every criterion. A nil c holds for every
// event, as the zero Criteria do; a nil e meets none.
func (c *Criteria) Match(e *herald.Event) bool {
	if e == nil {
		return false
	}
	if c == nil {
		return true
	}
	if c.CorrelationID != uuid.Nil && c.CorrelationID != e.Metadata.CorrelationID {
		return false
	}
	for k, v := range c.Labels {
		if got, ok := e.Metadata.Labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// zero reports whether c holds for every event.
func (c *Criteria) zero() bool {
	return c.CorrelationID == uuid.Nil && len(c.Labels) == 0
}

// Tail returns a stream of every event for those who hold one of roles
// (such as StreamListener): an operator's live tail of the log, as in
// "curl -N -H 'Last-Event-ID: 0' …/streams/tail". Like every stream, it
// sends each event only to a client its authorization allows.
func Tail(id string, roles ...string) Stream {
	return Stream{
		ID:              id,
		Name:            "Live tail",
		Description:     "Every event of the log as it is published.",
		SubscriberRoles: roles,
		Events:          []StreamEvent{{Name: "*.*.*"}},
	}
}

// stream is a registered Stream, compiled. It is immutable.
type stream struct {
	def    Stream // a deep copy of what was registered
	roles  map[string]struct{}
	events []streamEvent
}

type streamEvent struct {
	names    match.Names
	criteria Criteria
	mapping  *mapping // nil sends the envelope
}

// selects returns the first of s's events that selects e, or nil.
func (s *stream) selects(e *herald.Event) *streamEvent {
	for i := range s.events {
		se := &s.events[i]
		if se.names.Match(e) && se.criteria.Match(e) {
			return se
		}
	}
	return nil
}

// clone returns a deep copy of s, so that the caller's later changes do
// not reach a registered stream, and a caller cannot change one.
func (s Stream) clone() Stream {
	s.SubscriberRoles = slices.Clone(s.SubscriberRoles)
	events := make([]StreamEvent, len(s.Events))
	for i, e := range s.Events {
		e.Criteria.Labels = maps.Clone(e.Criteria.Labels)
		e.Map = maps.Clone(e.Map)
		events[i] = e
	}
	s.Events = events
	return s
}

// compileStream checks def and compiles it. reg, when not nil, is the
// registry whose definitions check event names and data paths.
func compileStream(def Stream, reg *herald.Registry) (*stream, error) {
	def = def.clone()
	invalid := func(format string, args ...any) error {
		return errorf("stream %q: %s: %w", def.ID, fmt.Sprintf(format, args...), herald.ErrInvalid)
	}
	if err := checkID(def.ID); err != nil {
		return nil, invalid("%v", err)
	}
	if !def.PublicSubscribe && len(def.SubscriberRoles) == 0 {
		return nil, invalid("it is not public and has no subscriber roles, so no one could open it")
	}
	s := &stream{def: def, roles: make(map[string]struct{}, len(def.SubscriberRoles))}
	for i, role := range def.SubscriberRoles {
		if role == "" {
			return nil, invalid("SubscriberRoles[%d] is empty", i)
		}
		s.roles[role] = struct{}{}
	}
	if len(def.Events) == 0 {
		return nil, invalid("it selects no events (use \"*.*.*\" for every event)")
	}
	for i, ev := range def.Events {
		se, err := compileStreamEvent(ev, reg)
		if err != nil {
			return nil, errorf("stream %q: events[%d]: %w", def.ID, i, err)
		}
		s.events = append(s.events, se)
	}
	return s, nil
}

// checkID reports what makes id unfit to be a path segment.
func checkID(id string) error {
	if id == "" {
		return fmt.Errorf("the id is empty")
	}
	for _, r := range id {
		if r == '/' || unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("the id has %q, which a path segment cannot hold", r)
		}
	}
	return nil
}

func compileStreamEvent(ev StreamEvent, reg *herald.Registry) (streamEvent, error) {
	names, err := match.ParseNames(ev.Name)
	if err != nil {
		return streamEvent{}, err
	}
	se := streamEvent{names: names, criteria: ev.Criteria}
	defs, err := definitionsOf(reg, ev.Name, names)
	if err != nil {
		return streamEvent{}, err
	}
	if len(ev.Map) > 0 {
		if se.mapping, err = compileMapping(ev.Map, defs); err != nil {
			return streamEvent{}, err
		}
	}
	return se, nil
}

// definitionsOf returns the definitions of reg that name matches. On a
// strict registry, a name that matches none is an error.
func definitionsOf(reg *herald.Registry, name string, names match.Names) ([]*herald.Definition, error) {
	if reg == nil {
		return nil, nil
	}
	var defs []*herald.Definition
	for _, d := range reg.Definitions() {
		probe := herald.Event{Aggregate: herald.AggregateRef{Context: d.Context, Name: d.Aggregate}, Name: d.Name}
		if names.Match(&probe) {
			defs = append(defs, d)
		}
	}
	if len(defs) == 0 && strictRegistry(reg, name) {
		return nil, fmt.Errorf("%q names no event defined in the strict registry: %w", name, herald.ErrInvalid)
	}
	return defs, nil
}

// strictRegistry reports whether reg refuses the event name, which it
// defines no event for: that is, whether reg is strict. The registry has no
// accessor for its strictness, so it is asked to check an event by that
// name.
func strictRegistry(reg *herald.Registry, name string) bool {
	parts := strings.SplitN(name, ".", 3)
	if len(parts) != 3 {
		return false
	}
	probe := herald.Event{Aggregate: herald.AggregateRef{Context: parts[0], Name: parts[1]}, Name: parts[2]}
	return reg.Check(&probe) != nil
}
