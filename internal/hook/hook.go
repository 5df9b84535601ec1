package hook

import "context"

// The functions herald sets for package driver.
var (
	// CheckEnvelope is herald's check of an event's envelope:
	// func(*herald.Event) error.
	CheckEnvelope any
	// SafeHandle calls a handler for one attempt at an event and turns a
	// panic into a *herald.PanicError:
	// func(context.Context, herald.Handler, herald.Event) error.
	SafeHandle any
	// CauseContexts returns a new maker of handler contexts, whose method
	// For(context.Context, *herald.Event) context.Context makes them as
	// herald.ContextWithCause does, a run of them at a time; it is not
	// safe for concurrent use.
	CauseContexts func() any

	// UserFrom returns the user whose events a context publishes:
	// func(context.Context) *herald.User.
	UserFrom any
	// CauseFrom returns the event a handler's context carries as the
	// cause: func(context.Context) *herald.Event.
	CauseFrom any
	// TxFrom returns the transaction a context carries:
	// func(context.Context) (herald.Tx, bool).
	TxFrom any
	// LabelsFrom returns the labels a context adds to published events.
	LabelsFrom func(context.Context) map[string]string
	// ContextWithConsumer returns a context for the handlers of the
	// consumer name.
	ContextWithConsumer func(ctx context.Context, name string) context.Context
	// ConsumerFrom returns the consumer name a context carries.
	ConsumerFrom func(context.Context) string
)

// The functions herald sets for package match, which writes parts of an
// envelope as herald.Event.MarshalJSON does.
var (
	// AppendString appends s as a JSON string, escaped as
	// herald.Event.MarshalJSON escapes it.
	AppendString func(b []byte, s string) []byte
	// AppendLabels appends the labels as herald.Event.MarshalJSON writes
	// them, key included: `,"labels":{…}`.
	AppendLabels func(b []byte, labels map[string]string) []byte
)
