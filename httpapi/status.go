package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/webhook"
)

// statsAnswer is the answer of GET /events/stats.
type statsAnswer struct {
	Events uint64            `json:"events"`
	Head   uint64            `json:"head"`
	Counts map[string]uint64 `json:"counts"`
}

// getStats answers GET /events/stats: the size and head of the log and
// the count per event name.
func (h *Handler) getStats(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authorize(w, r, h.readers()...); !ok {
		return
	}
	st, err := h.store.Stats(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if st.Counts == nil {
		st.Counts = map[string]uint64{}
	}
	h.writeJSON(w, r, http.StatusOK, statsAnswer{Events: st.Events, Head: st.Head, Counts: st.Counts})
}

// statusJSON is an engine.Status as the API answers it.
type statusJSON struct {
	Name         string     `json:"name"`
	Kind         string     `json:"kind,omitempty"`
	Events       string     `json:"events,omitempty"`
	Pattern      string     `json:"pattern,omitempty"`
	State        string     `json:"state"`
	Position     uint64     `json:"position"`
	Checkpoint   uint64     `json:"checkpoint"`
	Head         uint64     `json:"head"`
	Lag          uint64     `json:"lag"`
	Delivered    uint64     `json:"delivered"`
	Failed       uint64     `json:"failed"`
	Retried      uint64     `json:"retried"`
	DeadLettered uint64     `json:"deadLettered"`
	Pending      uint64     `json:"pending"`
	InFlight     uint64     `json:"inFlight"`
	Sync         bool       `json:"sync,omitempty"`
	Workers      int        `json:"workers,omitempty"`
	Version      int        `json:"version,omitempty"`
	LastError    string     `json:"lastError,omitempty"`
	LastErrorAt  *time.Time `json:"lastErrorAt,omitempty"`
	Failure      string     `json:"failure,omitempty"`
	Progress     *progress  `json:"progress,omitempty"`
}

type progress struct {
	Done      uint64  `json:"done"`
	Total     uint64  `json:"total"`
	Rate      float64 `json:"rate"`
	ElapsedMs int64   `json:"elapsedMs"`
	LeftMs    int64   `json:"remainingMs"`
}

func statusOf(s engine.Status, kind string) statusJSON {
	j := statusJSON{
		Name: s.Name, Kind: kind, Events: s.Events, Pattern: s.Pattern, State: s.State.String(),
		Position: s.Position, Checkpoint: s.Checkpoint, Head: s.Head, Lag: s.Lag,
		Delivered: s.Delivered, Failed: s.Failed, Retried: s.Retried, DeadLettered: s.DeadLettered,
		Pending: s.Pending, InFlight: s.InFlight, Sync: s.Sync, Workers: s.Workers, Version: s.Version,
	}
	if s.LastError != nil {
		at := s.LastErrorAt.UTC()
		j.LastError, j.LastErrorAt = s.LastError.Error(), &at
	}
	if s.Failure != nil {
		j.Failure = s.Failure.Error()
	}
	if p := s.Progress; p != nil {
		j.Progress = &progress{Done: p.Done, Total: p.Total, Rate: p.Rate,
			ElapsedMs: p.Elapsed.Milliseconds(), LeftMs: p.Remaining.Milliseconds()}
	}
	return j
}

// busStatus is what a bus that reports on its subscriptions has, as
// membus and natsbus do.
type busStatus interface {
	Status(ctx context.Context) ([]engine.Status, error)
}

// getSubscriptions answers GET /subscriptions: the bus's subscriptions,
// none when the handler has no bus or the bus does not report them, and
// with WithWebhooks the service subscriptions under "webhooks".
func (h *Handler) getSubscriptions(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authorize(w, r, h.readers()...); !ok {
		return
	}
	out := struct {
		Subscriptions []statusJSON      `json:"subscriptions"`
		Webhooks      *[]webhook.Status `json:"webhooks,omitempty"`
	}{Subscriptions: []statusJSON{}}
	if d := h.cfg.webhooks; d != nil {
		hooks, err := d.Subscriptions(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.Webhooks = &hooks
	}
	if b, ok := h.cfg.bus.(busStatus); ok {
		subs, err := b.Status(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range subs {
			out.Subscriptions = append(out.Subscriptions, statusOf(s, "subscription"))
		}
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

// getConsumers answers GET /consumers: each consumer given with
// WithConsumers, then the push server's, if any.
func (h *Handler) getConsumers(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authorize(w, r, h.readers()...); !ok {
		return
	}
	out := struct {
		Consumers []statusJSON `json:"consumers"`
	}{Consumers: []statusJSON{}}
	for _, k := range h.cfg.consumers {
		s, err := k.Status(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.Consumers = append(out.Consumers, statusOf(s, ""))
	}
	if h.cfg.push != nil {
		s, err := h.cfg.push.Status(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.Consumers = append(out.Consumers, statusOf(s.Status, "push"))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}
