package webhook

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Create checks s, makes its id and secret when they are empty, keeps it
// in the store and, while Run runs, starts delivering to it. It receives
// the events published after it is made. A URL that is not http(s), a
// secret that is not "whsec_" and base64, an event type that is malformed
// or, on a strict registry ([WithRegistry]), matches no definition, or an
// address refused by [WithDenyPrivate], is an error matching
// [herald.ErrInvalid] with a [*FieldError] that names the field; an id
// taken is one matching [herald.ErrDuplicate]. Nothing is kept then.
func (d *Dispatcher) Create(ctx context.Context, s Subscription) (Subscription, error) {
	if ctx == nil {
		return Subscription{}, prefix.Errorf("webhook", "create: the context is nil: %w", herald.ErrInvalid)
	}
	s.Paused, s.PausedReason = false, ""
	c, err := check(s, d.cfg.registry, true)
	if err != nil {
		return Subscription{}, err
	}
	if d.cfg.denyPrivate {
		if err := checkHost(c.sub.Service.Name); err != nil {
			return Subscription{}, fieldError("service.name", err)
		}
	}
	if err := d.load(ctx); err != nil {
		return Subscription{}, err
	}
	d.edit.Lock() // so that two calls with one id do not both make it
	defer d.edit.Unlock()
	d.mu.Lock()
	_, taken := d.runners[c.sub.ID]
	d.mu.Unlock()
	if taken {
		return Subscription{}, prefix.Errorf("webhook", "create: subscription %q exists: %w", c.sub.ID, herald.ErrDuplicate)
	}
	stats, err := d.store.Stats(ctx)
	if err != nil {
		return Subscription{}, prefix.Errorf("webhook", "create: read the head: %w", err)
	}
	c.sub.Created = time.Now().UTC()
	r, err := d.newRunner(c)
	if err != nil {
		return Subscription{}, err
	}
	if err := d.checkpoints.SaveCheckpoint(ctx, consumerName(c.sub.ID), stats.Head); err != nil {
		return Subscription{}, prefix.Errorf("webhook", "create: save the checkpoint: %w", err)
	}
	if err := d.save(ctx, c.sub); err != nil {
		return Subscription{}, err
	}
	d.mu.Lock()
	d.runners[c.sub.ID] = r
	d.mu.Unlock()
	d.wake()
	return c.sub, nil
}

// List returns every subscription, ordered by id, without their secrets.
func (d *Dispatcher) List(ctx context.Context) ([]Subscription, error) {
	if ctx == nil {
		return nil, prefix.Errorf("webhook", "list: the context is nil: %w", herald.ErrInvalid)
	}
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	d.mu.Lock()
	out := make([]Subscription, 0, len(d.runners))
	for _, r := range d.runners {
		out = append(out, r.sub.redacted())
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns the subscription id with its secret, or an error matching
// [herald.ErrNotFound].
func (d *Dispatcher) Get(ctx context.Context, id string) (Subscription, error) {
	r, err := d.lookup(ctx, "get", id)
	if err != nil {
		return Subscription{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return r.sub, nil
}

// Pause stops delivering to the subscription id, and waits for a delivery
// under way to end; the events published meanwhile are delivered once it
// is resumed. An unknown id is an error matching [herald.ErrNotFound].
func (d *Dispatcher) Pause(ctx context.Context, id string) error {
	return d.setPaused(ctx, "pause", id, true, "")
}

// Resume delivers to the subscription id again, from the first event not
// delivered, also when the dispatcher paused it on a 410 Gone. An unknown
// id is an error matching [herald.ErrNotFound].
func (d *Dispatcher) Resume(ctx context.Context, id string) error {
	return d.setPaused(ctx, "resume", id, false, "")
}

func (d *Dispatcher) setPaused(ctx context.Context, op, id string, paused bool, reason string) error {
	r, err := d.lookup(ctx, op, id)
	if err != nil {
		return err
	}
	_, err = d.change(ctx, r, func(s *Subscription) { s.Paused, s.PausedReason = paused, reason })
	if err != nil {
		return err
	}
	if paused {
		d.stop(r)
		return nil
	}
	d.mu.Lock() // a fresh start: the failures before count no more
	r.runErr = nil
	r.state.failingSince, r.state.nextAttempt = time.Time{}, time.Time{}
	d.mu.Unlock()
	d.wake()
	return nil
}

// change applies fn to the subscription of r, saves it and keeps it, one
// change at a time.
func (d *Dispatcher) change(ctx context.Context, r *runner, fn func(s *Subscription)) (Subscription, error) {
	d.edit.Lock()
	defer d.edit.Unlock()
	d.mu.Lock()
	s := r.sub
	d.mu.Unlock()
	fn(&s)
	if err := d.save(ctx, s); err != nil {
		return Subscription{}, err
	}
	d.mu.Lock()
	r.sub = s
	d.mu.Unlock()
	return s, nil
}

// DefaultRotationGrace is how long RotateSecret keeps signing with the
// previous secret when given no time, as Svix keeps an old key for a day.
const DefaultRotationGrace = 24 * time.Hour

// RotateSecret gives the subscription id a new secret (made when secret
// is empty) and returns the subscription with it. For keep (or
// DefaultRotationGrace when keep is 0) deliveries carry a signature under
// the previous secret too, so the receiver can move to the new one in
// between. A malformed secret or a negative keep is an error matching
// [herald.ErrInvalid] and changes nothing; an unknown id is one matching
// [herald.ErrNotFound].
func (d *Dispatcher) RotateSecret(ctx context.Context, id, secret string, keep time.Duration) (Subscription, error) {
	r, err := d.lookup(ctx, "rotate secret", id)
	if err != nil {
		return Subscription{}, err
	}
	if secret == "" {
		secret = NewSecret().String()
	}
	if _, err := ParseSecret(secret); err != nil {
		return Subscription{}, fieldError("secret", err)
	}
	if keep < 0 {
		return Subscription{}, invalidField("keep", "%v is negative", keep)
	}
	return d.change(ctx, r, func(s *Subscription) {
		s.PreviousSecret, s.PreviousUntil = s.Secret, time.Now().Add(cmp.Or(keep, DefaultRotationGrace)).UTC()
		s.Secret = secret
	})
}

// disable pauses r from its own delivery, with the reason: it ends r's run
// without waiting for it, since the run is the caller.
func (d *Dispatcher) disable(ctx context.Context, r *runner, reason string) {
	_, err := d.change(context.WithoutCancel(ctx), r, func(s *Subscription) { s.Paused, s.PausedReason = true, reason })
	if err != nil {
		d.cfg.logger.ErrorContext(ctx, "webhook: keep the subscription paused", "subscription", r.id, "error", err)
		d.mu.Lock()
		r.sub.Paused, r.sub.PausedReason = true, reason // paused in this process at least
		d.mu.Unlock()
	}
	d.mu.Lock()
	cancel := r.cancel
	d.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// Remove stops delivering to the subscription id and deletes it with its
// dead letters. An unknown id is an error matching [herald.ErrNotFound].
func (d *Dispatcher) Remove(ctx context.Context, id string) error {
	r, err := d.lookup(ctx, "remove", id)
	if err != nil {
		return err
	}
	d.mu.Lock()
	r.sub.Paused = true // so that Run does not start it again
	d.mu.Unlock()
	d.stop(r)
	if err := d.subs.DeleteSubscription(ctx, id); err != nil && !errors.Is(err, herald.ErrNotFound) {
		return prefix.Errorf("webhook", "remove %q: %w", id, err)
	}
	d.mu.Lock()
	delete(d.runners, id)
	d.mu.Unlock()
	letters, err := r.eng.DeadLetters(ctx)
	if err != nil {
		return prefix.Errorf("webhook", "remove %q: %w", id, err)
	}
	var errs []error
	for _, l := range letters {
		if err := d.letters.DeleteDeadLetter(ctx, consumerName(id), l.Event.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return prefix.Errorf("webhook", "remove %q: dead letters: %w", id, err)
	}
	return nil
}
