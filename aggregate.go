package herald

import (
	"fmt"
)

// Aggregate is implemented by every type that embeds AggregateBase.
type Aggregate interface {
	aggregateBase() *AggregateBase
}

// AggregateBase records and applies the events of one aggregate instance.
// Embed it in an aggregate type, register with Apply how each event changes
// the state, and publish events from the type's commands:
//
//	type Message struct {
//		herald.AggregateBase
//		Text string
//	}
//
//	func NewMessage() *Message {
//		m := &Message{}
//		herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
//		return m
//	}
//
//	func (m *Message) Send(text string) error {
//		return m.Publish("sent", Sent{Text: text})
//	}
//
// A Repository sets the aggregate's identity when it loads it and stores
// the published events when it saves it. AggregateBase has no exported
// fields, so JSON snapshots of the embedding type hold only its own state.
type AggregateBase struct {
	ref      AggregateRef
	revision uint64
	stored   uint64
	pending  []Event
	appliers map[string]func(*Event) error
}

func (b *AggregateBase) aggregateBase() *AggregateBase { return b }

// Ref returns the aggregate's identity.
func (b *AggregateBase) Ref() AggregateRef { return b.ref }

// Revision returns the revision of the newest event applied, saved or not;
// 0 for an aggregate without events.
func (b *AggregateBase) Revision() uint64 { return b.revision }

// Pending returns the events published since the aggregate was loaded or
// last saved.
func (b *AggregateBase) Pending() []Event { return append([]Event(nil), b.pending...) }

// Apply registers how the event name changes the state of a: fn receives
// its data as a T. Register every event an aggregate publishes, typically in
// the function that creates it.
func Apply[T any](a Aggregate, name string, fn func(data T)) {
	b := a.aggregateBase()
	if b.appliers == nil {
		b.appliers = make(map[string]func(*Event) error)
	}
	b.appliers[name] = func(e *Event) error {
		data, err := DataAs[T](e)
		if err != nil {
			return err
		}
		fn(data)
		return nil
	}
}

// Publish records the event name with data at the aggregate's next revision
// and applies it to the state at once. The event is stored when the
// aggregate is saved. An unknown event or data of the wrong type is an error,
// and then nothing is recorded.
func (b *AggregateBase) Publish(name string, data any) error {
	if b.ref.Name == "" {
		return fmt.Errorf("%w: publish %q: the aggregate has no identity; load it through a Repository", ErrInvalid, name)
	}
	e := Event{Aggregate: b.ref, Name: name, Data: data}
	e.Metadata.Revision = b.revision + 1
	if err := b.apply(&e); err != nil {
		return err
	}
	b.pending = append(b.pending, e)
	return nil
}

// apply runs the applier of e and advances the revision.
func (b *AggregateBase) apply(e *Event) (err error) {
	fn, ok := b.appliers[e.Name]
	if !ok {
		return &ValidationError{Event: e.FullName(), Field: "name", Reason: "has no applier registered with herald.Apply"}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("herald: applying %s at revision %d panicked: %v", e.FullName(), e.Metadata.Revision, r)
		}
	}()
	if err := fn(e); err != nil {
		return err
	}
	b.revision = e.Metadata.Revision
	return nil
}
