package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	bolt "go.etcd.io/bbolt"
)

// envelopeSealed is the envelope format of an event whose personal fields
// are sealed: format 2 with, after the labels and before the data, the
// names of the sealed fields (a uvarint count, then each name as a uvarint
// length and its bytes). The data holds the sealed values
// (driver.SealPersonal); the key is the one the userkeys bucket keeps for
// the event's user. Events without sealed fields are written in format 2.
const envelopeSealed byte = 4

// userKeysBucket keeps each user's key: user id -> driver.UserKey (40
// bytes). It is made with the first key.
var userKeysBucket = []byte("userkeys")

var _ driver.KeyStore = (*Store)(nil)

// personal is an event of an append whose personal fields the writer
// seals: its index in the batch, its data's JSON and the fields to seal.
type personal struct {
	index  int
	data   []byte
	fields []string
}

// findPersonal records in req the events whose personal fields the writer
// seals, under the store's registry; an anonymous event with personal
// data is an error.
func (s *Store) findPersonal(req *request, events []herald.Event) error {
	req.personal = req.personal[:0]
	reg := s.Registry()
	if reg == nil {
		return nil
	}
	for i := range events {
		data, fields, err := driver.PersonalData(reg, &events[i])
		if err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if fields != nil {
			req.personal = append(req.personal, personal{index: i, data: data, fields: fields})
		}
	}
	return nil
}

// sealValue returns the envelope of the event p of req with its personal
// fields sealed with its user's key, which it makes when the user has
// none, in the writer's transaction.
func (w *writer) sealValue(req *request, p personal) ([]byte, error) {
	e := &req.events[p.index]
	key, err := w.userKey(e.User.ID)
	if err != nil {
		return nil, err
	}
	data, err := driver.SealPersonal(e, p.data, p.fields, key)
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", p.index, driver.DataError(e, err))
	}
	ts := e.Metadata.Timestamp
	if ts.IsZero() {
		ts = req.now
	}
	v := appendSealed(nil, e, ts, data, p.fields)
	if len(v) > w.s.opts.maxEventSize {
		return nil, fmt.Errorf("event %d: %w", p.index, &herald.ValidationError{
			Event: e.FullName(), Field: "data",
			Reason: fmt.Sprintf("the event encodes, its personal fields sealed, to %d bytes, more than the limit of %d", len(v), w.s.opts.maxEventSize),
		})
	}
	return v, nil
}

// appendSealed appends the format 4 envelope of e with the sealed data
// and the names of its sealed fields, with its checksum.
func appendSealed(b []byte, e *herald.Event, ts time.Time, data []byte, fields []string) []byte {
	start := len(b)
	b = appendEnvelope(b, e, ts, nil)
	b[start] = envelopeSealed
	b[start+offFlags] |= flagData
	b = binary.AppendUvarint(b, uint64(len(fields)))
	for _, f := range fields {
		b = appendString(b, f)
	}
	return appendChecksum(append(b, data...), start)
}

// userKey returns the key of userID, made and kept when the user has none.
func (w *writer) userKey(userID string) (driver.UserKey, error) {
	if w.b.userKeys == nil {
		b, err := w.tx.Bucket(rootBucket).CreateBucketIfNotExists(userKeysBucket)
		if err != nil {
			return driver.UserKey{}, err
		}
		w.b.userKeys = b
	}
	if v := w.b.userKeys.Get([]byte(userID)); v != nil {
		key, err := driver.ParseUserKey(v)
		if err != nil {
			return key, fmt.Errorf("key of user %q: %s: %w", userID, err, ErrCorrupt)
		}
		return key, nil
	}
	key := driver.NewUserKey()
	v, _ := key.AppendBinary(nil)
	return key, w.b.userKeys.Put([]byte(userID), v)
}

// sealedFields reads the names of the sealed fields of a format 4
// envelope.
func (r *fieldReader) sealedFields(d *decoder) []string {
	start := r.off
	n := r.uvarint("sealed")
	if r.err != nil {
		return nil
	}
	// Each name takes at least one byte, which bounds a corrupt count.
	if n == 0 || n > uint64(len(r.b)-r.off) {
		r.off = start
		r.fail("sealed", fmt.Sprintf("count %d does not fit the value", n))
		return nil
	}
	fields := make([]string, n)
	for i := range fields {
		fields[i] = d.intern(r.bytes("sealed"))
	}
	return fields
}

// open gives e, decoded from a format 4 envelope, its sealed fields in the
// clear, with the key the decoder's keys bucket holds for e's user; with
// none they are "" and e is redacted.
func (d *decoder) open(e *herald.Event, position uint64, fields []string) error {
	var raw []byte
	switch v := e.Data.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	}
	var key *driver.UserKey
	if d.keys != nil && e.User != nil {
		if v := d.keys.Get([]byte(e.User.ID)); v != nil {
			k, err := driver.ParseUserKey(v)
			if err != nil {
				return &DecodeError{Position: position, Field: "userkeys", Reason: fmt.Sprintf("the key of user %q: %s", e.User.ID, err)}
			}
			key = &k
		}
	}
	data, redacted, err := driver.OpenPersonal(e, raw, fields, key)
	if err != nil {
		return &DecodeError{Position: position, Field: "data", Reason: err.Error()}
	}
	e.Data, e.Metadata.Redacted = json.RawMessage(data), redacted
	return nil
}

// DeleteUserKey deletes the key of userID, as driver.KeyStore describes,
// in a write transaction of its own, durably. The sealed fields of the
// user's events read as "" from then on; the package doc says when the
// key's bytes are gone from the file. The snapshots of the aggregates
// with sealed events of the user are deleted with it, since their state
// may hold the values in the clear: the next load replays the events. It
// reads every event with sealed fields to find them, while appends wait. An empty userID is an error matching
// herald.ErrInvalid; so is a ctx that carries a transaction of the store's
// file.
func (s *Store) DeleteUserKey(ctx context.Context, userID string) (err error) {
	if err := s.usable(ctx); err != nil {
		return errorf("delete user key: %w", err)
	}
	if userID == "" {
		return errorf("delete user key: the user id is empty: %w", herald.ErrInvalid)
	}
	if err := s.refuseInsideTx(ctx); err != nil {
		return errorf("delete user key: %w", err)
	}
	defer recoverCorrupt(&err)
	err = dbError(s.db.Update(func(tx *bolt.Tx) error {
		return inBuckets(tx, func(tx *bolt.Tx, b buckets) error {
			if b.userKeys == nil || b.userKeys.Get([]byte(userID)) == nil {
				return nil
			}
			if err := dropSnapshots(b, userID); err != nil {
				return err
			}
			return b.userKeys.Delete([]byte(userID))
		})
	}))
	if err != nil {
		return errorf("delete user key: %w", err)
	}
	return nil
}

// dropSnapshots deletes the snapshots of the aggregates that have events
// of userID with sealed fields.
func dropSnapshots(b buckets, userID string) error {
	var d decoder
	refs := map[herald.AggregateRef]bool{}
	c := b.events.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) == 0 || v[0] != envelopeSealed {
			continue
		}
		var e herald.Event
		if err := d.decodeInPlace(&e, keyPos(k), v); err != nil {
			return err
		}
		if e.User != nil && e.User.ID == userID {
			refs[e.Aggregate] = true
		}
	}
	for ref := range refs {
		if err := b.snapshots.Delete(appendAggregateKey(nil, &ref)); err != nil {
			return err
		}
	}
	return nil
}

// decodeWithKeys is DecodeEvent with the sealed fields opened with keys,
// the userkeys bucket.
func decodeWithKeys(position uint64, b []byte, keys *bolt.Bucket) (herald.Event, error) {
	d := decoder{keys: keys}
	var e herald.Event
	if err := d.decode(&e, position, b, nil); err != nil {
		return herald.Event{}, errorf("decode: %w", err)
	}
	return e, nil
}

// sealLetter returns the encoding of the dead letter d, in the letters
// bucket b, with the personal fields of its event sealed with its user's
// key: a dead letter is a copy of its event, kept as the event is. When
// the user has no key (forgotten since), they are sealed with a key
// nobody keeps, and read as redacted.
func sealLetter(b *bolt.Bucket, d *herald.DeadLetter, data []byte, fields []string) ([]byte, error) {
	key := driver.NewUserKey()
	if keys := b.Tx().Bucket(rootBucket).Bucket(userKeysBucket); keys != nil {
		if v := keys.Get([]byte(d.Event.User.ID)); v != nil {
			var err error
			if key, err = driver.ParseUserKey(v); err != nil {
				return nil, fmt.Errorf("key of user %q: %s: %w", d.Event.User.ID, err, ErrCorrupt)
			}
		}
	}
	sealed, err := driver.SealPersonal(&d.Event, data, fields, key)
	if err != nil {
		return nil, driver.DataError(&d.Event, err)
	}
	return appendSealed(deadLetterHead(d), &d.Event, d.Event.Metadata.Timestamp, sealed, fields), nil
}
