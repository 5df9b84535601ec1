package webhook

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Status describes a subscription and how its deliveries go.
type Status struct {
	// Subscription is the subscription, without its secret.
	Subscription
	// State is what its delivery does: "stopped", "catching up", "live",
	// "failed" (the engine's state names), or "paused".
	State string `json:"state"`
	// Delivered counts the deliveries acknowledged since the dispatcher
	// was made; Failed the attempts that failed.
	Delivered uint64 `json:"delivered"`
	Failed    uint64 `json:"failed"`
	// FailingSince is when the attempts began to fail, zero while they
	// succeed; NextAttempt when the next retry is, zero when none waits.
	FailingSince time.Time `json:"failingSince,omitzero"`
	NextAttempt  time.Time `json:"nextAttempt,omitzero"`
	// LastAttempt is when the last attempt was made; LastStatus the
	// receiver's status then (0 for no answer), LastError its failure.
	LastAttempt time.Time `json:"lastAttempt,omitzero"`
	LastStatus  int       `json:"lastStatus,omitempty"`
	LastError   string    `json:"lastError,omitempty"`
	// DeadLetters counts the events given up on, kept in the store.
	DeadLetters int `json:"deadLetters"`
	// Position is the position of the last event delivered or passed;
	// Lag how many positions it is behind the log's head.
	Position uint64 `json:"position"`
	Lag      uint64 `json:"lag"`
}

// Subscriptions describes every subscription, ordered by id.
func (d *Dispatcher) Subscriptions(ctx context.Context) ([]Status, error) {
	if ctx == nil {
		return nil, prefix.Errorf("webhook", "subscriptions: the context is nil: %w", herald.ErrInvalid)
	}
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	d.mu.Lock()
	all := make([]*runner, 0, len(d.runners))
	for _, r := range d.runners {
		all = append(all, r)
	}
	d.mu.Unlock()
	slices.SortFunc(all, func(a, b *runner) int { return strings.Compare(a.id, b.id) })
	out := make([]Status, 0, len(all))
	for _, r := range all {
		s, err := d.status(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Status describes the subscription id, or returns an error matching
// [herald.ErrNotFound].
func (d *Dispatcher) Status(ctx context.Context, id string) (Status, error) {
	r, err := d.lookup(ctx, "status", id)
	if err != nil {
		return Status{}, err
	}
	return d.status(ctx, r)
}

func (d *Dispatcher) status(ctx context.Context, r *runner) (Status, error) {
	es, err := r.eng.Status(ctx)
	if err != nil {
		return Status{}, prefix.Errorf("webhook", "status of %q: %w", r.id, err)
	}
	letters, err := r.eng.DeadLetters(ctx)
	if err != nil {
		return Status{}, prefix.Errorf("webhook", "status of %q: %w", r.id, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	st := r.state
	s := Status{Subscription: r.sub.redacted(), State: es.State.String(), Delivered: st.delivered, Failed: st.failed,
		FailingSince: st.failingSince, NextAttempt: st.nextAttempt, LastAttempt: st.lastAttempt,
		LastStatus: st.lastStatus, LastError: st.lastError, DeadLetters: len(letters),
		Position: es.Position, Lag: es.Lag}
	if r.sub.Paused {
		s.State = "paused"
	}
	return s, nil
}
