package driver

import (
	"context"
	"crypto/rand"
	"fmt"
)

// KeyStore is the optional capability of a [herald.Store] to keep the
// personal fields of events (those a definition tags `herald:"personal"`)
// encrypted with a key per user, kept apart from the events, and to
// forget a user by deleting their key: [herald.Publisher.ForgetUser] calls
// it. Such a store seals the personal fields of every event it appends
// whose registry ([RegistryStore]) defines some, with [PersonalData] and
// [SealPersonal], and opens them on every read with [OpenPersonal].
// Implementations are safe for concurrent use.
type KeyStore interface {
	// DeleteUserKey deletes the key of userID, so that the personal
	// fields of the user's events read as "" from then on; deleting a key
	// that is gone already does nothing. An empty userID is an error
	// matching [herald.ErrInvalid].
	DeleteUserKey(ctx context.Context, userID string) error
}

// UserKeySize is the size of an encoded [UserKey].
const UserKeySize = 8 + 32

// UserKey is the key of one user: an AES-256 secret and an id that tells
// the user's keys apart, so that the events sealed with a key deleted
// read as redacted even once the user has a new one.
type UserKey struct {
	ID     [8]byte
	Secret [32]byte
}

// NewUserKey returns a new random key, from crypto/rand.
func NewUserKey() UserKey {
	var k UserKey
	rand.Read(k.ID[:])
	rand.Read(k.Secret[:])
	return k
}

// AppendBinary appends the key's UserKeySize bytes, its id then its
// secret, to b: what a store keeps.
func (k UserKey) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, k.ID[:]...)
	return append(b, k.Secret[:]...), nil
}

// ParseUserKey returns the key AppendBinary encoded as b. Bytes of
// another length are an error.
func ParseUserKey(b []byte) (UserKey, error) {
	var k UserKey
	if len(b) != UserKeySize {
		return k, fmt.Errorf("a user key is %d bytes, not %d", UserKeySize, len(b))
	}
	copy(k.ID[:], b)
	copy(k.Secret[:], b[8:])
	return k, nil
}
