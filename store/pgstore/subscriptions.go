package pgstore

import (
	"context"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

var _ driver.SubscriptionStore = (*Store)(nil)

// SaveSubscription keeps r under its id, replacing what is kept under it.
// An empty id is an error matching herald.ErrInvalid.
func (s *Store) SaveSubscription(ctx context.Context, r driver.SubscriptionRecord) error {
	if err := s.check(ctx, "save subscription"); err != nil {
		return err
	}
	if r.ID == "" {
		return fmt.Errorf("pgstore: save subscription: the id is empty: %w", herald.ErrInvalid)
	}
	data := r.Data
	if data == nil {
		data = []byte{}
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO "+s.q+".subscriptions (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
		r.ID, data)
	return s.wrap("save subscription "+r.ID, err)
}

// Subscriptions yields every subscription kept, ordered by id.
func (s *Store) Subscriptions(ctx context.Context) iter.Seq2[driver.SubscriptionRecord, error] {
	return func(yield func(driver.SubscriptionRecord, error) bool) {
		if err := s.check(ctx, "subscriptions"); err != nil {
			yield(driver.SubscriptionRecord{}, err)
			return
		}
		rows, err := s.pool.Query(ctx, "SELECT id, data FROM "+s.q+".subscriptions ORDER BY id")
		if err != nil {
			yield(driver.SubscriptionRecord{}, s.wrap("subscriptions", err))
			return
		}
		all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (driver.SubscriptionRecord, error) {
			var r driver.SubscriptionRecord
			err := row.Scan(&r.ID, &r.Data)
			return r, err
		})
		if err != nil {
			yield(driver.SubscriptionRecord{}, s.wrap("subscriptions", err))
			return
		}
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
	if err := s.check(ctx, "delete subscription"); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, "DELETE FROM "+s.q+".subscriptions WHERE id = $1", id)
	if err != nil {
		return s.wrap("delete subscription "+id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete subscription %q: %w", id, herald.ErrNotFound)
	}
	return nil
}
