package boltstore_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of the envelopes' checksums.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodedBody returns the envelope of e without its checksum.
func encodedBody(t *testing.T, e herald.Event) []byte {
	t.Helper()
	b, err := boltstore.EncodeEvent(nil, &e)
	require.NoError(t, err)
	return b[:len(b)-4]
}

// envelope returns body as an envelope of version: with that version byte
// and, from version 2, the checksum.
func envelope(version byte, body []byte) []byte {
	b := append([]byte(nil), body...)
	if len(b) == 0 {
		return b
	}
	b[0] = version
	if version >= 2 {
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	}
	return b
}

func TestEnvelopeEndsWithChecksum(t *testing.T) {
	for _, e := range codecEvents() {
		b, err := boltstore.EncodeEvent([]byte("before"), &e)
		require.NoError(t, err)
		b = b[len("before"):]
		assert.Equal(t, byte(3), b[0], "version")
		body := b[:len(b)-4]
		assert.Equal(t, crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(b[len(body):]))
	}
}

// TestFlippedByteIsDetected changes each byte of encoded events in
// several ways: decoding fails with a *DecodeError, never returns another
// event.
func TestFlippedByteIsDetected(t *testing.T) {
	masks := []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff, 0x55}
	for i, e := range codecEvents() {
		b, err := boltstore.EncodeEvent(nil, &e)
		require.NoError(t, err)
		position := uint64(100 + i)
		for off := range b {
			for _, mask := range masks {
				damaged := bytes.Clone(b)
				damaged[off] ^= mask
				assertDamaged(t, position, damaged, off, mask)
			}
		}
		for v := range 256 { // every version byte, 1 among them
			if v != 3 {
				assertDamaged(t, position, append([]byte{byte(v)}, b[1:]...), 0, byte(v)^3)
			}
		}
	}
}

func assertDamaged(t *testing.T, position uint64, b []byte, off int, mask byte) {
	t.Helper()
	got, err := boltstore.DecodeEvent(position, b)
	var de *boltstore.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, boltstore.ErrCorrupt) || de.Position != position {
		t.Fatalf("byte %d ^ %#02x: got %v, %v; want a *DecodeError at position %d", off, mask, got.ID, err, position)
	}
	if de.Field != "checksum" && de.Field != "version" {
		t.Errorf("byte %d ^ %#02x: %v, not a checksum or version error", off, mask, err)
	}
}

func TestChecksumMismatchSaysWhat(t *testing.T) {
	e := codecEvents()[0]
	b, err := boltstore.EncodeEvent(nil, &e)
	require.NoError(t, err)
	stored := binary.BigEndian.Uint32(b[len(b)-4:])
	b[60] ^= 0x10
	computed := crc32.Checksum(b[:len(b)-4], castagnoli)
	_, err = boltstore.DecodeEvent(5, b)
	assertDecodeError(t, err, 5, "checksum", len(b)-4)
	assert.Contains(t, err.Error(), "checksum mismatch")
	assert.Contains(t, err.Error(), fmt.Sprintf("stored 0x%08x, computed 0x%08x", stored, computed))
}

// TestStoredEnvelopesCarryTheirChecksum checks the values in the file:
// the store writes each event's revision after encoding it, and its
// checksum with it.
func TestStoredEnvelopesCarryTheirChecksum(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	ref := storetest.NewRef("ctx", "agg")
	storetest.Append(t, s, storetest.NewEvent(ref, "x", 1), storetest.NewEvent(ref, "x", nil))
	expected := storetest.NewEvent(ref, "x", map[string]int{"n": 3})
	expected.Metadata.Revision = 3
	storetest.Append(t, s, expected, storetest.NewEvent(ref, "x", "four"))
	require.NoError(t, s.Close())

	n := 0
	eachValue(t, path, func(k, v []byte) {
		n++
		assert.Equal(t, byte(3), v[0], "version")
		assert.Equal(t, binary.BigEndian.Uint64(k), binary.BigEndian.Uint64(v[1:9]), "revision")
		body := v[:len(v)-4]
		assert.Equal(t, crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(v[len(body):]), "checksum of position %x", k)
	})
	assert.Equal(t, 4, n)
}

// eachValue calls fn with the key and value of every event in the store
// file at path.
func eachValue(t *testing.T, path string, fn func(k, v []byte)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("herald")).Bucket([]byte("events")).ForEach(func(k, v []byte) error {
			fn(k, v)
			return nil
		})
	}))
}

// TestFlippedByteInFileIsDetected damages the file itself: one byte of an
// event's value, found in the file's bytes, changed. Reads of that event
// fail with a *DecodeError naming its position.
func TestFlippedByteInFileIsDetected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	ref := storetest.NewRef("ctx", "agg")
	var events []herald.Event
	for i := range 5 {
		events = append(events, storetest.NewEvent(ref, "x", map[string]int{"n": i}))
	}
	storetest.Append(t, s, events...)
	require.NoError(t, s.Close())
	var value []byte
	eachValue(t, path, func(k, v []byte) {
		if binary.BigEndian.Uint64(k) == 3 {
			value = bytes.Clone(v)
		}
	})
	require.NotNil(t, value)

	for _, off := range []int{1, 30, 60, len(value) - 6, len(value) - 1} {
		t.Run(fmt.Sprintf("byte %d", off), func(t *testing.T) {
			damaged := filepath.Join(t.TempDir(), "events.db")
			file, err := os.ReadFile(path)
			require.NoError(t, err)
			at := bytes.Index(file, value)
			require.GreaterOrEqual(t, at, 0, "the value is in the file")
			require.Equal(t, -1, bytes.Index(file[at+1:], value), "the value is in the file once")
			file[at+off] ^= 0x04
			require.NoError(t, os.WriteFile(damaged, file, 0o600))
			assertReadsFail(t, damaged, ref, 3)
		})
	}
}

// assertReadsFail checks that the reads of the store file at path that
// meet the event at position fail with a *DecodeError naming it.
func assertReadsFail(t *testing.T, path string, ref herald.AggregateRef, position uint64) {
	t.Helper()
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	reads := map[string]func() (int, error){
		"ReadLog":    func() (int, error) { return count(s.ReadLog(t.Context(), 0)) },
		"ReadStream": func() (int, error) { return count(s.ReadStream(t.Context(), ref, 0, 0)) },
		"Query": func() (int, error) {
			page, err := s.Query(t.Context(), herald.Query{})
			return len(page.Events), err
		},
	}
	for name, read := range reads {
		n, err := read()
		var de *boltstore.DecodeError
		require.ErrorAs(t, err, &de, name)
		assert.ErrorIs(t, err, boltstore.ErrCorrupt, name)
		assert.Equal(t, position, de.Position, name)
		assert.Equal(t, "checksum", de.Field, name)
		assert.LessOrEqual(t, n, int(position-1), name)
	}
}

// FuzzDamagedEnvelope encodes an event made of fuzzed fields, changes one
// of its bytes and checks that decoding fails with a *DecodeError.
func FuzzDamagedEnvelope(f *testing.F) {
	f.Add("communication", "message", "sent", "domain", "jane", "owner", "k", "v", `{"text":"hey"}`, int64(1421260133), uint32(331), uint64(3), byte(0x3f), uint32(0), byte(0x03))
	f.Add("c", "a", "n", "", "", "", "", "", `{"n": 1e400}`, int64(0), uint32(0), uint64(1), byte(0x20), uint32(70), byte(0x80))
	f.Add("c", "a", "n", "", "", "", "x", "", ``, int64(-1), uint32(999999999), uint64(0), byte(0xc0), uint32(1<<31), byte(0xff))
	f.Fuzz(func(t *testing.T, context, aggregate, name, typ, user, owner, k, v, data string, sec int64, nsec uint32, rev uint64, flags byte, off uint32, mask byte) {
		if mask == 0 {
			return
		}
		e := fuzzEvent(context, aggregate, name, typ, user, owner, k, v, data, sec, nsec, rev, flags)
		b, err := boltstore.EncodeEvent(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		at := int(off % uint32(len(b)))
		b[at] ^= mask
		assertDamaged(t, 11, b, at, mask)
	})
}

// bodyOf returns e encoded as an envelope of version without its checksum:
// before version 3, without the version of the data.
func bodyOf(t *testing.T, version byte, e herald.Event) []byte {
	t.Helper()
	b := encodedBody(t, e)
	if version < 3 {
		b = withVersion(t, b, nil)
	}
	b[0] = version
	return b
}

// withVersion returns the version 3 body b with the bytes of its data
// version replaced by v.
func withVersion(t *testing.T, b, v []byte) []byte {
	t.Helper()
	off := versionOffset(b)
	_, n := binary.Uvarint(b[off:])
	require.Positive(t, n)
	return append(append(append([]byte(nil), b[:off]...), v...), b[off+n:]...)
}

// versionOffset returns where the version of the data is in the version
// 3 body b: after the fixed part, the ids it holds and the four names.
func versionOffset(b []byte) int {
	off := 54
	if b[53]&0x40 == 0 { // flagOwnCause
		off += 16
	}
	if b[53]&0x80 == 0 { // flagSameChain
		off += 16
	}
	for range 4 {
		n, size := binary.Uvarint(b[off:])
		off += size + int(n)
	}
	return off
}

// v2Envelope returns the version 3 envelope b as version 2 has it: without
// the version of the data, sealed with the checksum of version 2.
func v2Envelope(b []byte) []byte {
	body := b[:len(b)-4]
	off := versionOffset(body)
	_, n := binary.Uvarint(body[off:])
	v2 := append(append([]byte(nil), body[:off]...), body[off+n:]...)
	return envelope(2, v2)
}
