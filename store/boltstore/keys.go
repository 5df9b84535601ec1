package boltstore

import (
	"encoding/binary"
	"fmt"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// The store keeps everything in one top-level bucket, so it can share a
// file with an application's own buckets. Inside it:
//
//	meta         format marker, name id counter, in-transaction marker
//	events       position (8 bytes, big-endian) -> binary envelope
//	ids          first position of an append -> the event ids of that
//	             append's events, 16 bytes each, in position order
//	streams      aggregate key + first revision (8) -> the positions of
//	             that run of revisions, 8 bytes each
//	names        name key -> name id (4) + count of events (8)
//	byname       name id (4) + first position (8) -> positions of events
//	             of that name appended together, 8 bytes each
//	snapshots    aggregate key -> revision (8) + state
//	checkpoints  consumer name -> position (8)
//	outbox       first position -> last position of a run of events not
//	             yet delivered
//	deadletters  consumer + position -> dead letter (made when needed)
//	subscriptions  webhook subscription id -> its document (made when
//	             needed)
//	userkeys     user id -> the user's key for personal fields (made with
//	             the first key)
//
// Every index appends one key per append (per aggregate, per name), not
// one per event, so a large batch writes few index pages.
var (
	rootBucket        = []byte("herald")
	metaBucket        = []byte("meta")
	eventsBucket      = []byte("events")
	idsBucket         = []byte("ids")
	streamsBucket     = []byte("streams")
	namesBucket       = []byte("names")
	byNameBucket      = []byte("byname")
	snapshotsBucket   = []byte("snapshots")
	checkpointsBucket = []byte("checkpoints")
	outboxBucket      = []byte("outbox")

	allBuckets = [][]byte{metaBucket, eventsBucket, idsBucket, streamsBucket, namesBucket,
		byNameBucket, snapshotsBucket, checkpointsBucket, outboxBucket}
)

// Keys of the meta bucket.
var (
	formatKey    = []byte("format")
	nameSeqKey   = []byte("name-seq")
	inTxKey      = []byte("in-tx")
	formatMagic  = []byte("herald-events\x00")
	formatLength = len(formatMagic) + 1
)

// formatV1 is the file format the format marker ends with. Envelopes have
// versions of their own (envelopeVersion): a file of format 1 holds
// envelopes of versions 1 and 2 alike.
const formatV1 byte = 1

// appendFill is the FillPercent of buckets whose keys only grow: pages
// are split full, since nothing is ever inserted before their last key.
const appendFill = 1.0

// buckets are the store's buckets in one transaction.
type buckets struct {
	meta, events, ids, streams, names, byName, snapshots, checkpoints, outbox *bolt.Bucket
	// userKeys is nil in a file without keys.
	userKeys *bolt.Bucket
}

// openBuckets returns the store's buckets in tx, with the fill of the
// append-only ones set when tx is writable. A file without them is not a
// herald store, or a damaged one.
func openBuckets(tx *bolt.Tx) (buckets, error) {
	root := tx.Bucket(rootBucket)
	if root == nil {
		return buckets{}, fmt.Errorf("no %q bucket in the file: %w", rootBucket, ErrNotStore)
	}
	var b buckets
	ptrs := []**bolt.Bucket{&b.meta, &b.events, &b.ids, &b.streams, &b.names, &b.byName,
		&b.snapshots, &b.checkpoints, &b.outbox}
	for i, name := range allBuckets {
		*ptrs[i] = root.Bucket(name)
		if *ptrs[i] == nil {
			return buckets{}, fmt.Errorf("bucket %q is missing: %w", name, ErrCorrupt)
		}
	}
	b.userKeys = root.Bucket(userKeysBucket)
	if tx.Writable() {
		b.events.FillPercent = appendFill
		b.ids.FillPercent = appendFill
		b.outbox.FillPercent = appendFill
	}
	return b, nil
}

// posKey returns position as a key.
func posKey(buf *[8]byte, position uint64) []byte {
	binary.BigEndian.PutUint64(buf[:], position)
	return buf[:]
}

// keyPos returns the position a key holds, 0 when it is not 8 bytes.
func keyPos(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// appendAggregateKey appends the key of an aggregate: its id, then its
// context and name, each with its length.
func appendAggregateKey(b []byte, ref *herald.AggregateRef) []byte {
	b = append(b, ref.ID[:]...)
	b = appendString(b, ref.Context)
	return appendString(b, ref.Name)
}

// appendNameKey appends the key of a full event name: its three parts,
// each with its length, so names with dots in them stay apart.
func appendNameKey(b []byte, context, aggregate, name string) []byte {
	b = appendString(b, context)
	b = appendString(b, aggregate)
	return appendString(b, name)
}

// parseNameKey splits a name key into its parts.
func parseNameKey(k []byte) (context, aggregate, name string, ok bool) {
	r := fieldReader{b: k}
	c, a, n := r.bytes(""), r.bytes(""), r.bytes("")
	if r.err != nil || r.off != len(k) {
		return "", "", "", false
	}
	return string(c), string(a), string(n), true
}

// positions reads a value of 8-byte positions.
type positions []byte

func (p positions) len() int        { return len(p) / 8 }
func (p positions) at(i int) uint64 { return binary.BigEndian.Uint64(p[8*i:]) }
func (p positions) valid() bool     { return len(p) > 0 && len(p)%8 == 0 }

// revAt returns the revision in a stream index key after the aggregate's
// prefix.
func revAt(k []byte, prefix int) uint64 { return binary.BigEndian.Uint64(k[prefix:]) }
