package herald

import (
	"context"
	"reflect"

	"github.com/google/uuid"
)

// UserDeleted is the full name of the event [Publisher.ForgetUser]
// publishes once it has deleted a user's key, so that subscribers erase
// what they keep of that user (read models, caches, other services). Every
// registry knows it, as it knows [TransferredOwnership], and refuses to
// define it; its data is a [UserDeletedData].
const UserDeleted = userContext + "." + userAggregate + "." + userDeletedName

// The parts of UserDeleted.
const (
	userContext     = "herald"
	userAggregate   = "user"
	userDeletedName = "deleted"
)

// UserDeletedData is the data of a [UserDeleted] event: the id of the user
// forgotten. The id itself stays in the log, so that subscribers know
// whose data to erase; choose user ids that are not themselves personal
// (an opaque id rather than an email address) when that matters.
type UserDeletedData struct {
	UserID string `json:"userId"`
}

// UserRef returns the aggregate the [UserDeleted] events of userID belong
// to: context "herald", name "user" and an id derived from userID (a
// version 5 uuid), the same for the same user.
func UserRef(userID string) AggregateRef {
	return AggregateRef{Context: userContext, Name: userAggregate, ID: uuid.NewSHA1(userNamespace, []byte(userID))}
}

// userNamespace is the namespace of the ids UserRef derives.
var userNamespace = uuid.MustParse("6f1c1a52-2d0e-4f55-9d39-5d1b0c3b8e7a")

// userDeletedDefinition is the definition every registry has for
// UserDeleted events.
var userDeletedDefinition = &Definition{
	Context: userContext, Aggregate: userAggregate, Name: userDeletedName,
	Description: "The user's key was deleted: the personal fields of their events read as empty from now on.",
	Version:     1,
	Type:        reflect.TypeFor[UserDeletedData](),
	check:       checkData[UserDeletedData],
	decode:      decodeAs[UserDeletedData],
}

// isUserDeleted reports whether e is a UserDeleted event.
func isUserDeleted(e *Event) bool {
	return e.Name == userDeletedName && e.Aggregate.Name == userAggregate && e.Aggregate.Context == userContext
}

// keyStore is the method set of driver.KeyStore, whose doc gives the
// contract.
type keyStore interface {
	DeleteUserKey(ctx context.Context, userID string) error
}

// ForgetUser deletes the key that the store keeps the personal fields of
// userID's events encrypted with, then publishes a [UserDeleted] event for
// the user, with ctx's user as its user. From then on every read of the
// store returns those fields as "" and marks their events
// [Metadata.Redacted]; the rest of each event, its position and the
// store's checksum of it stay as they were. The events of a user are those
// whose [Event.User] is that user.
//
// Forgetting a user whose key is gone already, or who never had one,
// deletes nothing and publishes the event again; so a call whose publish
// failed may be repeated. An empty userID, or a store that keeps no keys
// (see driver.KeyStore), is an error matching [ErrInvalid]; the store's
// package doc says when the key's bytes are gone from its files.
func (p *Publisher) ForgetUser(ctx context.Context, userID string) (Event, error) {
	if userID == "" {
		return Event{}, errorf("forget user: the user id is empty: %w", ErrInvalid)
	}
	ks, ok := p.store.(keyStore)
	if !ok {
		return Event{}, errorf("forget user %q: the store, a %T, keeps no user keys: %w", userID, p.store, ErrInvalid)
	}
	if err := ks.DeleteUserKey(ctx, userID); err != nil {
		return Event{}, errorf("forget user %q: %w", userID, err)
	}
	return p.Publish(ctx, Event{Aggregate: UserRef(userID), Name: userDeletedName, Data: UserDeletedData{UserID: userID}})
}
