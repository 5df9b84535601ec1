package herald

import (
	"errors"
	"fmt"

	"github.com/herald-go/herald/internal/prefix"
)

var (
	// ErrConflict is returned when an append expects an aggregate at a
	// revision it is no longer at, because another writer was first. The
	// detail is a *ConflictError.
	ErrConflict = errors.New("conflict")
	// ErrNotFound is returned when a thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrClosed is returned by calls on a closed publisher, store or bus.
	ErrClosed = errors.New("closed")
	// ErrNoTransaction is returned by PublishAfterCommit and
	// PublishBatchAfterCommit when the context carries no transaction.
	ErrNoTransaction = errors.New("no transaction in context")
	// ErrInvalid is matched by every error about bad input: an empty name, a
	// nil id, data of the wrong type, a malformed query. The detail is often
	// a *ValidationError.
	ErrInvalid = errors.New("invalid input")
	// ErrDuplicate is returned when a batch holds an event id that is already
	// stored while others of the batch are not.
	ErrDuplicate = errors.New("duplicate event id")
	// ErrTxDone is returned when a unit of work is committed or rolled back
	// a second time, or used after it ended.
	ErrTxDone = errors.New("transaction already committed or rolled back")
)

// ConflictError is the detail of ErrConflict: the aggregate, the revision the
// writer expected it to be at (one less than the revision its event asked
// for), and the revision it is at.
type ConflictError struct {
	Aggregate AggregateRef
	Expected  uint64
	Actual    uint64
}

// Error describes the conflict in the writer's terms: the revision its
// event asked for, and the revision the aggregate is at.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("aggregate %s: an event asked for revision %d, but the aggregate is at revision %d (its next event is revision %d): %v",
		e.Aggregate, e.Expected+1, e.Actual, e.Actual+1, ErrConflict)
}

// Is makes errors.Is(err, ErrConflict) true for a *ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ValidationError is the detail of ErrInvalid for one event: the event's
// full name (or the name as given when it is incomplete), the envelope or
// payload field at fault, and why.
type ValidationError struct {
	Event  string
	Field  string
	Reason string
	// Err is the underlying error, such as the one a Validate method
	// returned; it may be nil.
	Err error
}

// Error describes what was wrong with which field of which event.
func (e *ValidationError) Error() string {
	msg := ""
	if e.Event != "" {
		msg = "event " + e.Event + ": "
	}
	if e.Field != "" {
		msg += e.Field + ": "
	}
	return msg + e.Reason + ": " + ErrInvalid.Error()
}

// Is makes errors.Is(err, ErrInvalid) true for a *ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the underlying error.
func (e *ValidationError) Unwrap() error { return e.Err }

// nilEvent is the error of the calls that take a *Event for a nil one.
func nilEvent() error { return &ValidationError{Reason: "the event is a nil pointer"} }

// errorf returns the error of the package: "herald: " and then
// fmt.Errorf(format, args...), an error argument of another package of
// the module given without its prefix.
func errorf(format string, args ...any) error { return prefix.Errorf("herald", format, args...) }

// wrap returns err under the package prefix, or nil for a nil err.
func wrap(err error) error { return prefix.Wrap("herald", err) }
