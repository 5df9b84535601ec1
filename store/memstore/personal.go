package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// keyring is the key of each user whose events have personal fields.
type keyring struct {
	mu   sync.RWMutex
	keys map[string]driver.UserKey
}

// sealedData is the data of an event kept with its personal fields
// sealed: the JSON that driver.SealPersonal made and the fields it sealed.
type sealedData struct {
	json   []byte
	fields []string
}

var _ driver.KeyStore = (*Store)(nil)

// DeleteUserKey deletes the key of userID, as driver.KeyStore describes:
// from then on the personal fields of the user's events read as "" and
// the events as redacted. The sealed values stay in memory until the store
// is closed, but no key opens them. The snapshots of the aggregates with
// sealed events of the user are deleted with it, since their state may
// hold the values in the clear: the next load replays the events.
func (s *Store) DeleteUserKey(ctx context.Context, userID string) error {
	if err := s.usable(ctx); err != nil {
		return errorf("delete user key: %w", err)
	}
	if userID == "" {
		return errorf("delete user key: the user id is empty: %w", herald.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("delete user key: %w", herald.ErrClosed)
	}
	if s.keyring.lookup(userID) == nil {
		return nil
	}
	s.dropSnapshots(userID)
	s.keyring.mu.Lock()
	defer s.keyring.mu.Unlock()
	delete(s.keyring.keys, userID)
	return nil
}

// dropSnapshots deletes the snapshots of the aggregates that have events
// of userID with sealed fields, under the store's lock.
func (s *Store) dropSnapshots(userID string) {
	for pos := uint64(1); pos <= s.log.n; pos++ {
		if e := s.log.at(pos); e.User != nil && e.User.ID == userID {
			if _, ok := e.Data.(*sealedData); ok {
				delete(s.snapshots, e.Aggregate)
			}
		}
	}
}

// key returns the key of userID, made when the user has none.
func (k *keyring) key(userID string) driver.UserKey {
	k.mu.RLock()
	key, ok := k.keys[userID]
	k.mu.RUnlock()
	if ok {
		return key
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[userID]; ok {
		return key
	}
	if k.keys == nil {
		k.keys = make(map[string]driver.UserKey)
	}
	key = driver.NewUserKey()
	k.keys[userID] = key
	return key
}

// clear drops every key.
func (k *keyring) clear() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys = nil
}

// lookup returns the key of userID, nil when it has none.
func (k *keyring) lookup(userID string) *driver.UserKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if key, ok := k.keys[userID]; ok {
		return &key
	}
	return nil
}

// seal returns, for a batch with personal fields under the store's
// registry, the data to keep for each event: a *sealedData for those it
// sealed, nil for the others. It returns nil for a batch without any.
func (s *Store) seal(events []herald.Event) ([]any, error) {
	reg := s.Registry()
	if reg == nil {
		return nil, nil
	}
	var sealed []any
	for i := range events {
		e := &events[i]
		data, fields, err := driver.PersonalData(reg, e)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		if fields == nil {
			continue
		}
		b, err := driver.SealPersonal(e, data, fields, s.keyring.key(e.User.ID))
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, driver.DataError(e, err))
		}
		if sealed == nil {
			sealed = make([]any, len(events))
		}
		sealed[i] = &sealedData{json: b, fields: fields}
	}
	return sealed, nil
}

// keepSealed replaces the data the log holds for the events of a batch
// just committed with what seal made of it.
func (s *Store) keepSealed(events []herald.Event, sealed []any) {
	for i, d := range sealed {
		if d != nil {
			s.log.setData(events[i].Metadata.Position, d)
		}
	}
}

// open gives e, read from the log, its personal fields in the clear, or
// "" for those of a user forgotten, then marked redacted.
func (s *Store) open(e *herald.Event) error {
	sd, ok := e.Data.(*sealedData)
	if !ok {
		return nil
	}
	var key *driver.UserKey
	if e.User != nil {
		key = s.keyring.lookup(e.User.ID)
	}
	data, redacted, err := driver.OpenPersonal(e, sd.json, sd.fields, key)
	if err != nil {
		return fmt.Errorf("event at position %d: %w", e.Metadata.Position, err)
	}
	e.Data, e.Metadata.Redacted = json.RawMessage(data), redacted
	if reg := s.Registry(); reg != nil {
		return reg.Decode(e)
	}
	return nil
}

// sealLetter keeps the personal fields of the event of d, a dead letter,
// sealed as the event is: with its user's key, or when the user has none
// (forgotten since) with a key nobody keeps, so they read as redacted.
func (s *Store) sealLetter(d *herald.DeadLetter) error {
	reg := s.Registry()
	if reg == nil {
		return nil
	}
	e := &d.Event
	data, fields, err := driver.PersonalData(reg, e)
	if err != nil || fields == nil {
		return err
	}
	key := driver.NewUserKey()
	if k := s.keyring.lookup(e.User.ID); k != nil {
		key = *k
	}
	b, err := driver.SealPersonal(e, data, fields, key)
	if err != nil {
		return driver.DataError(e, err)
	}
	e.Data = &sealedData{json: b, fields: fields}
	return nil
}
