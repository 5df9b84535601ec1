package herald

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald/internal/excerpt"
)

// The values of the envelope that the library gives a meaning.
const (
	// TypeDomain, TypeReadModel and TypeError are the event types, the
	// envelope's "type" field. An event whose Type is empty is a domain
	// event.
	TypeDomain    = "domain"
	TypeReadModel = "readModel"
	TypeError     = "error"

	// TransferredOwnership is the name of the event that hands an
	// aggregate to another owner (wolkenkit's transferredOwnership). Every
	// aggregate has it: AggregateBase.TransferOwnership publishes it and
	// AggregateBase applies it; a Registry knows it without a definition
	// and refuses to define it.
	TransferredOwnership = "transferredOwnership"
)

// Event is the envelope of one domain event, field for field the shape of a
// wolkenkit event. In process, Data holds the Go value the publisher gave; it
// is encoded only where the event leaves the process (a store file, the
// wire). Events are values: copying one copies the envelope but shares Data,
// Labels, User and Authorization, which must not be changed once published.
type Event struct {
	// Aggregate names the context and the aggregate that published the
	// event. Its Context is the envelope's context.name.
	Aggregate AggregateRef
	// Name is the event's name within its aggregate, such as "sent".
	Name string
	// ID identifies the event; ids are unique in a store. The publisher
	// sets one when it is empty: a time-ordered (version 7) uuid, random
	// like wolkenkit's version 4 ids in its last 74 bits and ordered by time
	// in its first 48, which keeps the stores' id indexes cheap. The ids one
	// publisher makes increase.
	ID uuid.UUID
	// Type is TypeDomain unless set.
	Type string
	// Data is the payload. Events read back from a store that encodes them
	// hold json.RawMessage until decoded ([Registry.Decode], [DataAs], [On]).
	Data any
	// User is the user that caused the event; nil means anonymous.
	User *User
	// Metadata holds the timestamp, position, revision, causation,
	// correlation, labels and authorization.
	Metadata Metadata
}

// AggregateRef identifies one aggregate instance: the bounded context it
// lives in, its name and its id. The events of one AggregateRef form a
// stream whose revisions count from 1.
type AggregateRef struct {
	Context string
	Name    string
	ID      uuid.UUID
}

// User is the user on whose behalf an event was published.
type User struct {
	ID string
}

// Metadata is the envelope's metadata block.
type Metadata struct {
	// Timestamp is when the event was published. A publisher that makes
	// the event's id stamps the time in that id, to the millisecond.
	Timestamp time.Time
	// Position is the event's place in the store's global log, assigned at
	// commit and strictly increasing in commit order; 0 until stored.
	Position uint64
	// Revision counts the events of one aggregate from 1. A publisher that
	// sets it asks the store to append at exactly that revision; 0 appends
	// at the end of the aggregate's stream.
	Revision uint64
	// CausationID is the id of the event (or command) that caused this one.
	CausationID uuid.UUID
	// CorrelationID is shared by every event of one chain of causes.
	CorrelationID uuid.UUID
	// Labels are small string tags used by queries and criteria.
	Labels map[string]string
	// Authorization says who may receive the event. The publisher gives
	// every event one; nil, as in an event decoded from JSON without an
	// isAuthorized block, lets no one receive it.
	Authorization *Authorization
	// Redacted reports that the event's personal fields were forgotten
	// ([Publisher.ForgetUser]): a store read them back as their zero
	// value. The envelope's JSON carries "redacted": true only when set.
	Redacted bool
}

// Authorization is wolkenkit's isAuthorized block: who may receive an event.
// Every stored event carries one: its own, else its definition's default
// ([WithDefaultAuthorization]), else one that lets its owner alone receive
// it (wolkenkit's default).
type Authorization struct {
	// Owner is the id of the user who owns the event's aggregate
	// ([AggregateBase.Owner]), or of the user who published it when it was
	// published outside a Repository; the owner may always receive it.
	// Empty means the event has no owner, as one published anonymously.
	Owner string
	// ForAuthenticated lets every signed-in user receive the event.
	ForAuthenticated bool
	// ForPublic lets everyone, signed in or not, receive the event.
	ForPublic bool
}

// Allows reports whether user may receive an event carrying a. ForPublic
// allows everyone; ForAuthenticated allows every signed-in user; the owner
// is always allowed. A nil Authorization allows no one: an event that
// carries none, such as one imported from JSON without the block, is not
// public. A nil user or a user with an empty id is anonymous.
func (a *Authorization) Allows(user *User) bool {
	if a == nil {
		return false
	}
	if a.ForPublic {
		return true
	}
	if user == nil || user.ID == "" {
		return false
	}
	return a.ForAuthenticated || (a.Owner != "" && a.Owner == user.ID)
}

// FullName is the event's name qualified by its context and aggregate, such
// as "communication.message.sent".
func (e Event) FullName() string {
	return e.Aggregate.Context + "." + e.Aggregate.Name + "." + e.Name
}

// String returns the aggregate as "context.name.id".
func (r AggregateRef) String() string {
	return r.Context + "." + r.Name + "." + r.ID.String()
}

// Check reports what makes r unfit to name an aggregate: an empty context
// or aggregate name, a name with a dot (full event names join the names
// with dots, so a dot in one would make two events' names one), or a nil
// id. The error is a *ValidationError naming the envelope field.
func (r AggregateRef) Check() error { return wrap(r.check()) }

// check is Check without the package prefix, for the checks that wrap it.
func (r AggregateRef) check() error {
	var field, reason string
	switch {
	case r.Context == "":
		field, reason = "context.name", "is empty"
	case strings.IndexByte(r.Context, '.') >= 0:
		field, reason = "context.name", fmt.Sprintf("%s contains a dot", excerpt.Quote(r.Context))
	case r.Name == "":
		field, reason = "aggregate.name", "is empty"
	case strings.IndexByte(r.Name, '.') >= 0:
		field, reason = "aggregate.name", fmt.Sprintf("%s contains a dot", excerpt.Quote(r.Name))
	case r.ID == uuid.Nil:
		field, reason = "aggregate.id", "is the nil uuid"
	default:
		return nil
	}
	return &ValidationError{Event: r.Context + "." + r.Name, Field: field, Reason: reason}
}

// checkEnvelope reports what makes e unfit to store: an empty context,
// aggregate or event name, a dot in one of them, or a nil aggregate or
// event id. The error is a *ValidationError naming the field; for a nil e
// too. Publishers call it, and stores through driver.CheckEnvelope.
func checkEnvelope(e *Event) error {
	if e == nil {
		return nilEvent()
	}
	var field, reason string
	if err := e.Aggregate.check(); err != nil {
		ve := err.(*ValidationError)
		field, reason = ve.Field, ve.Reason
	} else if e.Name == "" {
		field, reason = "name", "is empty"
	} else if strings.IndexByte(e.Name, '.') >= 0 {
		field, reason = "name", fmt.Sprintf("%s contains a dot", excerpt.Quote(e.Name))
	} else if e.ID == uuid.Nil {
		field, reason = "id", "is the nil uuid"
	} else {
		return nil
	}
	return &ValidationError{Event: e.FullName(), Field: field, Reason: reason}
}
