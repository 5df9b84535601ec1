package projection

import (
	"time"
)

// State is what a projection or a flow is doing.
type State int

// The states of a projection or a flow. The zero State is Stopped.
const (
	// Stopped: Run is not running.
	Stopped State = iota
	// CatchingUp: it reads events from the store to reach the log's head.
	CatchingUp
	// Live: it has caught up and applies events as the bus brings them.
	Live
	// Rebuilding: it replays the whole log into a model it reset.
	Rebuilding
	// Failed: its handler failed on an event on every attempt; it waits
	// for Resume or Rebuild.
	Failed
)

// String returns the state's name in lower case, such as "catching up".
func (s State) String() string {
	switch s {
	case Stopped:
		return "stopped"
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

// Status describes a projection or a flow at a moment. Its fields are read
// one by one, so they may be a moment apart.
type Status struct {
	// Name is the projection's or flow's name.
	Name string
	// Version is the version a projection declares; 0 for a flow.
	Version int
	// State is what it is doing.
	State State
	// Checkpoint is the position of the last event it applied (or passed,
	// having no handler for it): the model reflects every event up to it.
	Checkpoint uint64
	// Head is the position of the newest event in the store's log.
	Head uint64
	// Lag is how many positions the checkpoint is behind the head.
	Lag uint64
	// Applied counts the events its handlers applied since it was made;
	// Retried counts the handler calls that were retries.
	Applied, Retried uint64
	// Deduplicated counts, for a flow, the redelivered events it did not
	// run again because the store holds events they caused that the flow
	// published.
	Deduplicated uint64
	// LastError is the last error it met (a handler's, the store's, the
	// model's), nil if none; LastErrorAt is when.
	LastError   error
	LastErrorAt time.Time
	// Failure, when State is Failed, is the event and the error it
	// stopped on.
	Failure *FailedError
	// Progress, while it rebuilds, is how far the rebuild is.
	Progress *Progress
}

// Progress is how far a rebuild is: it replays the log from its start to
// Total, the log's head when the rebuild began.
type Progress struct {
	// Name is the projection's name.
	Name string
	// Done is the position replayed up to; Total the position to reach.
	Done, Total uint64
	// Rate is the events replayed per second since the rebuild began.
	Rate float64
	// Elapsed is the time since the rebuild began; Remaining the estimate
	// of the time left at Rate (0 when Rate is 0 or the rebuild is done).
	Elapsed, Remaining time.Duration
}
