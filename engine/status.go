package engine

import "time"

// State is what a consumer of events is doing.
type State int

// The states of a consumer. The zero State is Stopped.
const (
	// Stopped: it does not run.
	Stopped State = iota
	// Standby: it waits for the lease that another process holds.
	Standby
	// CatchingUp: it reads events from the log to reach its head.
	CatchingUp
	// Live: it handles events as they are published.
	Live
	// Rebuilding: it replays the whole log into what it reset.
	Rebuilding
	// Failed: its handler failed on an event at every attempt, and it
	// waits to be resumed or rebuilt.
	Failed
)

// String returns the state's name in lower case, such as "catching up".
func (s State) String() string {
	switch s {
	case Stopped:
		return "stopped"
	case Standby:
		return "standby"
	case CatchingUp:
		return "catching up"
	case Live:
		return "live"
	case Rebuilding:
		return "rebuilding"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Status describes a consumer of events at a moment: a bus subscription,
// a durable subscription, a projection or a flow. Its fields are read one
// by one, so they may be a moment apart; a field that does not apply to a
// kind of consumer is zero.
type Status struct {
	// Name is the consumer's name.
	Name string
	// Events and Pattern are its filter: the name patterns comma-separated
	// ("*.*.*" for every event), and the pattern as compact JSON.
	Events, Pattern string
	// State is what it is doing.
	State State
	// Position is the position of the last event it handled, or passed by
	// its filter; Checkpoint the last one saved.
	Position, Checkpoint uint64
	// Head is the position of the newest event in the log; Lag how many
	// positions Position is behind it.
	Head, Lag uint64
	// Delivered counts the events its handler handled without an error;
	// Failed the handler calls that returned an error or panicked; Retried
	// the calls that were retries; DeadLettered the events given up on;
	// Deduplicated, for a flow, the redelivered events it did not run
	// again.
	Delivered, Failed, Retried, DeadLettered, Deduplicated uint64
	// Pending counts, on a bus, the events accepted and neither delivered
	// nor dead-lettered yet; InFlight those a worker has begun to handle.
	Pending, InFlight uint64
	// Sync reports, on a bus, a subscription handled inside Publish;
	// Workers is how many events it may handle at once.
	Sync    bool
	Workers int
	// Version is a projection's version.
	Version int
	// LastError is the last error it met, nil if none; LastErrorAt when.
	LastError   error
	LastErrorAt time.Time
	// Failure, when State is Failed, is the error it stopped on.
	Failure error
	// Progress, while it rebuilds, is how far the rebuild is.
	Progress *Progress
}

// Progress is how far a rebuild is: it replays the log from its start to
// Total, the log's head when the rebuild began.
type Progress struct {
	// Name is the consumer's name.
	Name string
	// Done is the position replayed up to; Total the position to reach.
	Done, Total uint64
	// Rate is the events replayed per second since the rebuild began.
	Rate float64
	// Elapsed is the time since the rebuild began; Remaining the estimate
	// of the time left at Rate (0 when Rate is 0 or the rebuild is done).
	Elapsed, Remaining time.Duration
}
