package hook

// The functions herald sets for package driver.
var (
	// CheckEnvelope is herald's check of an event's envelope:
	// func(*herald.Event) error.
	CheckEnvelope any
	// SafeHandle calls a handler for one attempt at an event and turns a
	// panic into a *herald.PanicError:
	// func(context.Context, herald.Handler, herald.Event) error.
	SafeHandle any
	// CauseContexts returns a function that makes handler contexts as
	// herald.WithCause does, a run of them at a time; the function is not
	// safe for concurrent use:
	// func() func(context.Context, *herald.Event) context.Context.
	CauseContexts any
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
