package herald

import (
	"errors"
	"fmt"
	"strings"

	"github.com/herald-go/herald/internal/excerpt"
)

// Aggregate is implemented by every type that embeds AggregateBase.
type Aggregate interface {
	aggregateBase() *AggregateBase
}

// AggregateBase records and applies the events of one aggregate instance.
// Embed it in an aggregate type, register with [Apply] how each event
// changes the state, and publish events from the type's commands with
// [AggregateBase.Publish] ([Repository.Use] has an example). A [Repository]
// sets the aggregate's identity when it loads it and stores the published
// events when it saves it. AggregateBase has no exported fields, so JSON
// snapshots of the embedding type hold only its own state.
type AggregateBase struct {
	ref      AggregateRef
	revision uint64
	stored   uint64
	owner    string
	pending  []Event
	appliers map[string]func(*Event) error
	// setup is what went wrong registering appliers, returned by every
	// Publish and by the Repository's loads.
	setup error
}

func (b *AggregateBase) aggregateBase() *AggregateBase { return b }

// Ref returns the aggregate's identity; the zero AggregateRef for a nil b.
func (b *AggregateBase) Ref() AggregateRef {
	if b == nil {
		return AggregateRef{}
	}
	return b.ref
}

// Revision returns the revision of the newest event applied, saved or not;
// 0 for an aggregate without events.
func (b *AggregateBase) Revision() uint64 {
	if b == nil {
		return 0
	}
	return b.revision
}

// Pending returns the events published since the aggregate was loaded or
// last saved.
func (b *AggregateBase) Pending() []Event {
	if b == nil {
		return nil
	}
	return append([]Event(nil), b.pending...)
}

// Apply registers how the event name changes the state of a: fn receives
// its data as a T. Register every event an aggregate publishes, typically in
// the function that creates it. A nil or nil-pointer aggregate, an empty
// name or one with a dot, TransferredOwnership (which AggregateBase
// applies itself), a nil fn, or a second applier for one name is an error
// matching ErrInvalid; the aggregate then also refuses to publish and a
// Repository to load it, so a mistake ignored here is not silent.
func Apply[T any](a Aggregate, name string, fn func(data T)) error {
	b, err := baseOf(a)
	if err != nil {
		return errorf("apply %q: %w", name, err)
	}
	if err := b.register(name, fn == nil); err != nil {
		return err
	}
	b.appliers[name] = func(e *Event) error {
		data, err := DataAs[T](e)
		if err != nil {
			return err
		}
		fn(data)
		return nil
	}
	return nil
}

// register checks that an applier for name may be registered, and makes
// room for it; what it refuses it also keeps in b.setup.
func (b *AggregateBase) register(name string, nilFn bool) error {
	var reason string
	switch _, taken := b.appliers[name]; {
	case name == "":
		reason = "the event name is empty"
	case strings.IndexByte(name, '.') >= 0:
		reason = "the event name contains a dot"
	case name == TransferredOwnership:
		reason = "the aggregate applies it itself"
	case nilFn:
		reason = "the function is nil"
	case taken:
		reason = "an applier for it is registered already"
	default:
		if b.appliers == nil {
			b.appliers = make(map[string]func(*Event) error)
		}
		return nil
	}
	err := errorf("apply %s: %s: %w", excerpt.Quote(name), reason, ErrInvalid)
	b.setup = errors.Join(b.setup, errors.Unwrap(err))
	return err
}

// baseOf returns a's AggregateBase, or an error for a nil aggregate,
// including a nil pointer to a type that embeds AggregateBase.
func baseOf(a Aggregate) (b *AggregateBase, err error) {
	defer func() {
		if recover() != nil {
			b, err = nil, fmt.Errorf("the aggregate is a nil pointer: %w", ErrInvalid)
		}
	}()
	if a == nil {
		return nil, fmt.Errorf("the aggregate is nil: %w", ErrInvalid)
	}
	if b = a.aggregateBase(); b == nil {
		return nil, fmt.Errorf("the aggregate is a nil pointer: %w", ErrInvalid)
	}
	return b, nil
}

// Publish records the event name with data at the aggregate's next revision
// and applies it to the state at once. The event is stored when the
// aggregate is saved. An unknown event or data of the wrong type is an error,
// and then nothing is recorded.
func (b *AggregateBase) Publish(name string, data any) error {
	if b == nil {
		return errorf("publish %q: the aggregate is a nil pointer: %w", name, ErrInvalid)
	}
	if b.setup != nil {
		return errorf("publish %q: the aggregate's appliers: %w", name, b.setup)
	}
	if b.ref.Name == "" {
		return errorf("publish %q: the aggregate has no identity; load it through a Repository: %w", name, ErrInvalid)
	}
	e := Event{Aggregate: b.ref, Name: name, Data: data}
	e.Metadata.Revision = b.revision + 1
	if err := b.apply(&e); err != nil {
		return errorf("publish %q: %w", name, err)
	}
	b.pending = append(b.pending, e)
	return nil
}

// apply runs the applier of e and advances the revision. The first event
// stored names the owner, and a TransferredOwnership event a new one.
func (b *AggregateBase) apply(e *Event) (err error) {
	if e.Name == TransferredOwnership {
		return b.transfer(e)
	}
	fn, ok := b.appliers[e.Name]
	if !ok {
		return &ValidationError{Event: e.FullName(), Field: "name", Reason: "has no applier registered with herald.Apply"}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("applying %s at revision %d panicked: %v", e.FullName(), e.Metadata.Revision, r)
		}
	}()
	if err := fn(e); err != nil {
		return err
	}
	if b.revision == 0 && e.Metadata.Authorization != nil {
		b.owner = e.Metadata.Authorization.Owner
	}
	b.revision = e.Metadata.Revision
	return nil
}

// transfer applies a TransferredOwnership event.
func (b *AggregateBase) transfer(e *Event) error {
	t, err := dataAs[OwnershipTransferred](e)
	if err != nil {
		return err
	}
	b.owner, b.revision = t.To, e.Metadata.Revision
	return nil
}
