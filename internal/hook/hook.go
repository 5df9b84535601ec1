package hook

// The functions herald sets for the packages that serve it.
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
