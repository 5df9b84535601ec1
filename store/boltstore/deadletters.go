package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	bolt "go.etcd.io/bbolt"
)

var _ driver.DeadLetterStore = (*Store)(nil)

// deadLettersBucket holds the dead letters of durable consumers, in the
// store's top-level bucket: the length of the consumer's name (2 bytes),
// the name and the event's position (8) -> the encoded letter. It is made
// with the first dead letter, so files written before it have none.
var deadLettersBucket = []byte("deadletters")

// deadLetterVersion is the first byte of an encoded dead letter.
const deadLetterVersion byte = 1

// SaveDeadLetter keeps d, durably, under its consumer and its event's id,
// replacing what is kept under them. An empty consumer name, one longer
// than MaxNameLength, or a nil event id is an error matching
// herald.ErrInvalid; so is a context that holds the store's own
// transaction.
func (s *Store) SaveDeadLetter(ctx context.Context, d herald.DeadLetter) error {
	if err := s.checkLetterCall(ctx, d.Subscription, d.Event.ID); err != nil {
		return errorf("save dead letter: %w", err)
	}
	v, err := encodeDeadLetter(&d)
	if err != nil {
		return errorf("save dead letter: %w", err)
	}
	data, fields, err := driver.PersonalData(s.Registry(), &d.Event)
	if err != nil {
		return errorf("save dead letter: %w", err)
	}
	err = s.updateLetters(func(b *bolt.Bucket) error {
		if fields != nil {
			var err error
			if v, err = sealLetter(b, &d, data, fields); err != nil {
				return err
			}
		}
		if k, _, err := findLetter(b, d.Subscription, d.Event.ID); err != nil {
			return err
		} else if k != nil {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put(letterKey(d.Subscription, d.Event.Metadata.Position), v)
	})
	if err != nil {
		return errorf("save dead letter: %w", err)
	}
	return nil
}

// DeadLetters yields the dead letters of consumer in the order of their
// events' positions, as they are when the iteration begins. A letter whose
// bytes are damaged yields an error matching ErrCorrupt.
func (s *Store) DeadLetters(ctx context.Context, consumer string) iter.Seq2[herald.DeadLetter, error] {
	return func(yield func(herald.DeadLetter, error) bool) {
		var all []herald.DeadLetter
		err := s.usable(ctx)
		if err == nil {
			err = s.viewLetters(ctx, func(b *bolt.Bucket) error {
				prefix := letterPrefix(consumer)
				c := b.Cursor()
				keys := b.Tx().Bucket(rootBucket).Bucket(userKeysBucket)
				for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
					d, err := decodeDeadLetter(consumer, k, v, keys)
					if err != nil {
						return err
					}
					all = append(all, d)
				}
				return nil
			})
		}
		if err != nil {
			yield(herald.DeadLetter{}, errorf("dead letters: %w", err))
			return
		}
		for _, d := range all {
			if reg := s.Registry(); reg != nil {
				if err := reg.Decode(&d.Event); err != nil {
					yield(herald.DeadLetter{}, errorf("dead letters: %w", err))
					return
				}
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// DeleteDeadLetter removes the dead letter of consumer for the event id,
// or returns an error matching herald.ErrNotFound.
func (s *Store) DeleteDeadLetter(ctx context.Context, consumer string, id uuid.UUID) error {
	if err := s.checkLetterCall(ctx, consumer, id); err != nil {
		return errorf("delete dead letter: %w", err)
	}
	err := s.updateLetters(func(b *bolt.Bucket) error {
		k, _, err := findLetter(b, consumer, id)
		if err != nil {
			return err
		}
		if k == nil {
			return fmt.Errorf("no dead letter of %q for %s: %w", consumer, id, herald.ErrNotFound)
		}
		return b.Delete(k)
	})
	if err != nil {
		return errorf("delete dead letter: %w", err)
	}
	return nil
}

func (s *Store) checkLetterCall(ctx context.Context, consumer string, id uuid.UUID) error {
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	if id == uuid.Nil {
		return fmt.Errorf("the event id is the nil uuid: %w", herald.ErrInvalid)
	}
	if err := s.usable(ctx); err != nil {
		return err
	}
	return s.refuseInsideTx(ctx)
}

// updateLetters runs fn on the dead-letter bucket in a write transaction
// of its own, making the bucket when it is missing.
func (s *Store) updateLetters(fn func(b *bolt.Bucket) error) error {
	return s.updateOwnBucket(deadLettersBucket, fn)
}

// updateOwnBucket runs fn on the bucket name of the store's top-level
// bucket in a write transaction of its own, making it when it is missing:
// the buckets that came after the first file format.
func (s *Store) updateOwnBucket(name []byte, fn func(b *bolt.Bucket) error) (err error) {
	defer recoverCorrupt(&err)
	return dbError(s.db.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(rootBucket)
		if root == nil {
			return fmt.Errorf("no %q bucket in the file: %w", rootBucket, ErrNotStore)
		}
		b, err := root.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		return fn(b)
	}))
}

// viewLetters runs fn on the dead-letter bucket, when there is one.
func (s *Store) viewLetters(ctx context.Context, fn func(b *bolt.Bucket) error) error {
	return s.viewOwnBucket(ctx, deadLettersBucket, fn)
}

// viewOwnBucket runs fn on the bucket name of the store's top-level
// bucket, when there is one.
func (s *Store) viewOwnBucket(ctx context.Context, name []byte, fn func(b *bolt.Bucket) error) error {
	return s.view(ctx, func(tx *bolt.Tx, _ buckets) error {
		if b := tx.Bucket(rootBucket).Bucket(name); b != nil {
			return fn(b)
		}
		return nil
	})
}

// findLetter returns the key and value of the letter of consumer for the
// event id, nil when there is none.
func findLetter(b *bolt.Bucket, consumer string, id uuid.UUID) ([]byte, []byte, error) {
	prefix := letterPrefix(consumer)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		d, err := decodeDeadLetter(consumer, k, v, nil)
		if err != nil {
			return nil, nil, err
		}
		if d.Event.ID == id {
			return k, v, nil
		}
	}
	return nil, nil, nil
}

func letterPrefix(consumer string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(consumer))), consumer...)
}

func letterKey(consumer string, position uint64) []byte {
	return binary.BigEndian.AppendUint64(letterPrefix(consumer), position)
}

// encodeDeadLetter encodes d: the version, the attempts, a flag byte (1
// when parked), the time it was given up (Unix nanoseconds), the length
// and text of its error, then the event's binary envelope.
func encodeDeadLetter(d *herald.DeadLetter) ([]byte, error) {
	return EncodeEvent(deadLetterHead(d), &d.Event)
}

// deadLetterHead encodes what of d comes before the event's envelope.
func deadLetterHead(d *herald.DeadLetter) []byte {
	var reason string
	if d.Err != nil {
		reason = d.Err.Error()
	}
	v := []byte{deadLetterVersion}
	v = binary.AppendUvarint(v, uint64(max(d.Attempts, 0)))
	var flags byte
	if d.Parked {
		flags = 1
	}
	v = append(v, flags)
	var at int64 // 0 for a zero time
	if !d.At.IsZero() {
		at = d.At.UnixNano()
	}
	v = binary.BigEndian.AppendUint64(v, uint64(at))
	v = binary.AppendUvarint(v, uint64(len(reason)))
	return append(v, reason...)
}

// errLetter is the error of a dead letter whose bytes make no sense.
var errLetter = errors.New("dead letter is damaged")

// decodeDeadLetter decodes the letter v of consumer under the key k, its
// event's sealed fields opened with keys, the userkeys bucket (nil: they
// read as redacted).
func decodeDeadLetter(consumer string, k, v []byte, keys *bolt.Bucket) (herald.DeadLetter, error) {
	bad := func(what string) (herald.DeadLetter, error) {
		return herald.DeadLetter{}, fmt.Errorf("%w: %s: %w", errLetter, what, ErrCorrupt)
	}
	if len(k) != 2+len(consumer)+8 {
		return bad("the key has the wrong length")
	}
	position := binary.BigEndian.Uint64(k[len(k)-8:])
	if len(v) < 1 || v[0] != deadLetterVersion {
		return bad("unknown version")
	}
	v = v[1:]
	attempts, n := binary.Uvarint(v)
	if n <= 0 || attempts > 1<<31 {
		return bad("the attempts")
	}
	v = v[n:]
	if len(v) < 9 {
		return bad("too short")
	}
	parked, at := v[0] == 1, int64(binary.BigEndian.Uint64(v[1:9]))
	v = v[9:]
	size, n := binary.Uvarint(v)
	if n <= 0 || size > uint64(len(v)-n) {
		return bad("the error's length")
	}
	reason := string(v[n : n+int(size)])
	e, err := decodeWithKeys(position, v[n+int(size):], keys)
	if err != nil {
		return herald.DeadLetter{}, err
	}
	d := herald.DeadLetter{Subscription: consumer, Event: e, Attempts: int(attempts), Parked: parked}
	if at != 0 {
		d.At = time.Unix(0, at)
	}
	if reason != "" {
		d.Err = errors.New(reason)
	}
	return d, nil
}
