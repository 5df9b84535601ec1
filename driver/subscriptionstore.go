package driver

import (
	"context"
	"iter"
)

// SubscriptionRecord is one service subscription as a store keeps it: its
// id, and its description as a document the store does not read (the
// webhook package's JSON).
type SubscriptionRecord struct {
	// ID identifies the subscription.
	ID string
	// Data is the subscription's document.
	Data []byte
}

// SubscriptionStore keeps the service subscriptions of webhook
// deliveries ([github.com/herald-go/herald/webhook]), so that they
// outlast a restart. Stores offer it alongside the log; implementations
// are safe for concurrent use.
type SubscriptionStore interface {
	// SaveSubscription keeps r under its id, replacing what is kept under
	// it. An empty id is an error matching [herald.ErrInvalid].
	SaveSubscription(ctx context.Context, r SubscriptionRecord) error
	// Subscriptions yields every subscription kept, ordered by id.
	Subscriptions(ctx context.Context) iter.Seq2[SubscriptionRecord, error]
	// DeleteSubscription removes the subscription of the id, or returns
	// an error matching [herald.ErrNotFound].
	DeleteSubscription(ctx context.Context, id string) error
}
