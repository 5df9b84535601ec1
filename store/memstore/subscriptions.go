package memstore

import (
	"context"
	"iter"
	"maps"
	"slices"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

var _ driver.SubscriptionStore = (*Store)(nil)

// SaveSubscription keeps r under its id, replacing what is kept under it.
// An empty id is an error matching herald.ErrInvalid.
func (s *Store) SaveSubscription(ctx context.Context, r driver.SubscriptionRecord) error {
	if r.ID == "" {
		return errorf("save subscription: empty id: %w", herald.ErrInvalid)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save subscription: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("save subscription: %w", herald.ErrClosed)
	}
	if s.subscriptions == nil {
		s.subscriptions = make(map[string][]byte)
	}
	s.subscriptions[r.ID] = slices.Clone(r.Data)
	return nil
}

// Subscriptions yields every subscription kept, ordered by id, as they
// are when the iteration begins.
func (s *Store) Subscriptions(ctx context.Context) iter.Seq2[driver.SubscriptionRecord, error] {
	return func(yield func(driver.SubscriptionRecord, error) bool) {
		if err := s.usable(ctx); err != nil {
			yield(driver.SubscriptionRecord{}, errorf("subscriptions: %w", err))
			return
		}
		s.mu.Lock()
		all := make([]driver.SubscriptionRecord, 0, len(s.subscriptions))
		for _, id := range slices.Sorted(maps.Keys(s.subscriptions)) {
			all = append(all, driver.SubscriptionRecord{ID: id, Data: slices.Clone(s.subscriptions[id])})
		}
		s.mu.Unlock()
		for _, r := range all {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// DeleteSubscription removes the subscription of the id, or returns an
// error matching herald.ErrNotFound.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	if err := s.usable(ctx); err != nil {
		return errorf("delete subscription: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subscriptions[id]; !ok {
		return errorf("delete subscription %q: %w", id, herald.ErrNotFound)
	}
	delete(s.subscriptions, id)
	return nil
}
