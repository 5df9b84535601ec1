package webhook

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// DeadLetter is an event a subscription gave up on, with the receiver's
// last status (0 when it gave no answer) and an excerpt of its answer.
type DeadLetter struct {
	// EventID and Position identify the event; Name is its full name.
	EventID  uuid.UUID `json:"eventId"`
	Position uint64    `json:"position"`
	Name     string    `json:"name"`
	// Attempts counts the attempts of the last delivery.
	Attempts int `json:"attempts"`
	// Status is the receiver's last status, Body an excerpt of its answer,
	// Error the failure as text.
	Status int    `json:"status,omitempty"`
	Body   string `json:"body,omitempty"`
	Error  string `json:"error"`
	// At is when the delivery was given up.
	At time.Time `json:"at"`
}

// lastAnswer finds the status and body excerpt in a DeliveryError's text,
// as a dead letter read back from a store keeps it.
var lastAnswer = regexp.MustCompile(`: status (\d{3}): body ("(?:[^"\\]|\\.)*")`)

// DeadLetters lists the events the subscription id gave up on, in
// position order. An unknown id is an error matching [herald.ErrNotFound].
func (d *Dispatcher) DeadLetters(ctx context.Context, id string) ([]DeadLetter, error) {
	r, err := d.lookup(ctx, "dead letters", id)
	if err != nil {
		return nil, err
	}
	letters, err := r.eng.DeadLetters(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, 0, len(letters))
	for _, l := range letters {
		dl := DeadLetter{EventID: l.Event.ID, Position: l.Event.Metadata.Position, Name: l.Event.FullName(),
			Attempts: 1, At: l.At}
		if l.Err != nil {
			dl.Error = l.Err.Error()
			dl.Attempts = attemptsIn(dl.Error)
			if m := lastAnswer.FindStringSubmatch(dl.Error); m != nil {
				dl.Status, _ = strconv.Atoi(m[1])
				dl.Body, _ = strconv.Unquote(m[2])
			}
		}
		out = append(out, dl)
	}
	return out, nil
}

var attemptsText = regexp.MustCompile(`\(after (\d+) attempts\)`)

func attemptsIn(text string) int {
	if m := attemptsText.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// Replay delivers the dead letter of the event eventID of the
// subscription id again, once, and removes it when the receiver
// acknowledges it; else it keeps it with the new failure and returns it.
// An unknown id or event is an error matching [herald.ErrNotFound].
func (d *Dispatcher) Replay(ctx context.Context, id string, eventID uuid.UUID) error {
	r, err := d.lookup(ctx, "replay", id)
	if err != nil {
		return err
	}
	return r.eng.Replay(ctx, eventID)
}

// Discard removes the dead letter of the event eventID of the
// subscription id without delivering it. An unknown id or event is an
// error matching [herald.ErrNotFound].
func (d *Dispatcher) Discard(ctx context.Context, id string, eventID uuid.UUID) error {
	r, err := d.lookup(ctx, "discard", id)
	if err != nil {
		return err
	}
	return r.eng.Discard(ctx, eventID)
}
