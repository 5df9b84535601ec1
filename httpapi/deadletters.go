package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/excerpt"
)

// deadLetterJSON is a dead letter as the API answers it.
type deadLetterJSON struct {
	Consumer string       `json:"consumer"`
	Event    herald.Event `json:"event"`
	Attempts int          `json:"attempts"`
	Error    string       `json:"error"`
	Parked   bool         `json:"parked"`
	At       time.Time    `json:"at"`
}

// deadLetters is where the dead letters of one consumer are: the consumer
// itself when it keeps them, else the store.
type deadLetters struct {
	consumer DeadLetterConsumer
	store    driver.DeadLetterStore
	name     string
}

// deadLettersOf finds where the dead letters of the path's consumer are,
// or answers 404.
func (h *Handler) deadLettersOf(w http.ResponseWriter, r *http.Request) (deadLetters, bool) {
	name := r.PathValue("name")
	d := deadLetters{name: name}
	d.consumer, _ = h.consumers[name].(DeadLetterConsumer)
	d.store, _ = h.store.(driver.DeadLetterStore)
	if d.consumer == nil && d.store == nil {
		writeProblem(w, &problem{Status: http.StatusNotFound, Type: typeNotFound, Field: "name",
			Detail: "consumer " + excerpt.Quote(name) + " keeps no dead letters the handler can reach"})
		return d, false
	}
	return d, true
}

// getDeadLetters answers GET /consumers/{name}/dead-letters, in the
// order of their events' positions.
func (h *Handler) getDeadLetters(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authorize(w, r, h.readers()...); !ok {
		return
	}
	d, ok := h.deadLettersOf(w, r)
	if !ok {
		return
	}
	var letters []herald.DeadLetter
	var err error
	if d.consumer != nil {
		letters, err = d.consumer.DeadLetters(r.Context())
	} else {
		for l, e := range d.store.DeadLetters(r.Context(), d.name) {
			if err = e; err != nil {
				break
			}
			letters = append(letters, l)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		DeadLetters []deadLetterJSON `json:"deadLetters"`
	}{DeadLetters: make([]deadLetterJSON, 0, len(letters))}
	for _, l := range letters {
		j := deadLetterJSON{Consumer: l.Subscription, Event: l.Event, Attempts: l.Attempts, Parked: l.Parked, At: l.At.UTC()}
		if l.Err != nil {
			j.Error = l.Err.Error()
		}
		out.DeadLetters = append(out.DeadLetters, j)
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// replayDeadLetter answers POST /consumers/{name}/dead-letters/{id}/replay:
// the consumer handles the event again, and the letter is removed when it
// succeeds. Only a DeadLetterConsumer given to the handler can replay.
func (h *Handler) replayDeadLetter(w http.ResponseWriter, r *http.Request) {
	h.onDeadLetter(w, r, func(d deadLetters, id uuid.UUID) error {
		if d.consumer == nil {
			return errNoReplay
		}
		return d.consumer.Replay(r.Context(), id)
	})
}

// discardDeadLetter answers DELETE /consumers/{name}/dead-letters/{id}.
func (h *Handler) discardDeadLetter(w http.ResponseWriter, r *http.Request) {
	h.onDeadLetter(w, r, func(d deadLetters, id uuid.UUID) error {
		if d.consumer != nil {
			return d.consumer.Discard(r.Context(), id)
		}
		return d.store.DeleteDeadLetter(r.Context(), d.name, id)
	})
}

var errNoReplay = errors.New("only a consumer given to the handler (WithConsumers) that keeps dead letters can replay them")

// onDeadLetter checks the operator's role and the path, runs op on the
// path's dead letter and answers 204, or the problem op met.
func (h *Handler) onDeadLetter(w http.ResponseWriter, r *http.Request, op func(deadLetters, uuid.UUID) error) {
	if _, ok := h.authorize(w, r, h.cfg.operatorRole); !ok {
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeProblem(w, badParameter("id", "want an event id, a uuid, got "+excerpt.Quote(r.PathValue("id"))))
		return
	}
	d, ok := h.deadLettersOf(w, r)
	if !ok {
		return
	}
	switch err := op(d, id); {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errNoReplay):
		writeProblem(w, &problem{Status: http.StatusNotFound, Type: typeNotFound, Field: "name",
			Detail: "consumer " + excerpt.Quote(d.name) + ": " + err.Error()})
	case errors.Is(err, herald.ErrNotFound):
		writeProblem(w, &problem{Status: http.StatusNotFound, Type: typeNotFound, Field: "id", Detail: err.Error()})
	case errors.Is(err, herald.ErrInvalid):
		writeProblem(w, &problem{Status: http.StatusConflict, Type: typeConflict, Detail: err.Error()})
	default:
		// The consumer's handler failed again: the operator is told why.
		writeProblem(w, &problem{Status: http.StatusBadGateway, Type: typeInternal, Detail: err.Error()})
	}
}
