package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"iter"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	bolt "go.etcd.io/bbolt"
)

var _ driver.SubscriptionStore = (*Store)(nil)

// subscriptionsBucket holds the webhook subscriptions, in the store's
// top-level bucket: id -> the subscription's document. It is made with the
// first subscription, so files written before it have none.
var subscriptionsBucket = []byte("subscriptions")

// SaveSubscription keeps r, durably, under its id, replacing what is kept
// under it. An empty id, or one longer than MaxNameLength, is an error
// matching herald.ErrInvalid; so is a context that holds the store's own
// transaction.
func (s *Store) SaveSubscription(ctx context.Context, r driver.SubscriptionRecord) error {
	if err := s.checkSubscriptionCall(ctx, r.ID); err != nil {
		return errorf("save subscription: %w", err)
	}
	err := s.updateOwnBucket(subscriptionsBucket, func(b *bolt.Bucket) error {
		return b.Put([]byte(r.ID), bytes.Clone(r.Data))
	})
	if err != nil {
		return errorf("save subscription: %w", err)
	}
	return nil
}

// Subscriptions yields every subscription kept, ordered by id, as they
// are when the iteration begins.
func (s *Store) Subscriptions(ctx context.Context) iter.Seq2[driver.SubscriptionRecord, error] {
	return func(yield func(driver.SubscriptionRecord, error) bool) {
		var all []driver.SubscriptionRecord
		err := s.usable(ctx)
		if err == nil {
			err = s.viewOwnBucket(ctx, subscriptionsBucket, func(b *bolt.Bucket) error {
				return b.ForEach(func(k, v []byte) error {
					all = append(all, driver.SubscriptionRecord{ID: string(k), Data: bytes.Clone(v)})
					return nil
				})
			})
		}
		if err != nil {
			yield(driver.SubscriptionRecord{}, errorf("subscriptions: %w", err))
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
	if err := s.checkSubscriptionCall(ctx, id); err != nil {
		return errorf("delete subscription: %w", err)
	}
	err := s.updateOwnBucket(subscriptionsBucket, func(b *bolt.Bucket) error {
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("no subscription %q: %w", id, herald.ErrNotFound)
		}
		return b.Delete([]byte(id))
	})
	if err != nil {
		return errorf("delete subscription: %w", err)
	}
	return nil
}

func (s *Store) checkSubscriptionCall(ctx context.Context, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty subscription id: %w", herald.ErrInvalid)
	case len(id) > MaxNameLength:
		return fmt.Errorf("subscription id of %d bytes, more than %d: %w", len(id), MaxNameLength, herald.ErrInvalid)
	}
	if err := s.usable(ctx); err != nil {
		return err
	}
	return s.refuseInsideTx(ctx)
}
