package boltstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// codecEvents are events that use the envelope's fields in different ways.
func codecEvents() []herald.Event {
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5")}
	full := fullEvent(ref)
	full.Metadata.Revision = 3
	full.Metadata.CausationID = uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e")
	full.Metadata.CorrelationID = full.Metadata.CausationID
	bare := herald.Event{Aggregate: ref, Name: "deleted", ID: uuid.MustParse("4c99d051-a526-4526-9cca-34f92a6c8c9d")}
	public := storetest.NewEvent(ref, "liked", json.RawMessage(`{"by": ["a", "b"]}`))
	public.Type = herald.TypeError
	public.Metadata.Authorization = &herald.Authorization{ForPublic: true}
	public.Metadata.Timestamp = time.Date(1066, 10, 14, 9, 0, 0, 1, time.UTC) // before 1970
	far := storetest.NewEvent(ref, "noted", "just a string")
	far.Metadata.Timestamp = time.Date(3000, 1, 1, 0, 0, 0, 999999999, time.FixedZone("X", -7200))
	far.Metadata.Revision = math.MaxUint64
	odd := storetest.NewEvent(herald.AggregateRef{Context: "a.b", Name: "ünï\x00", ID: uuid.New()}, strings.Repeat("n", 300), 42)
	odd.User = &herald.User{}
	odd.Metadata.Labels = map[string]string{"": "", "k": strings.Repeat("v", 200)}
	return []herald.Event{full, bare, public, far, odd}
}

func TestCodecRoundTrip(t *testing.T) {
	for i, e := range codecEvents() {
		b, err := boltstore.EncodeEvent(nil, &e)
		require.NoError(t, err)
		got, err := boltstore.DecodeEvent(uint64(i+1), b)
		require.NoError(t, err)
		e.Metadata.Position = uint64(i + 1)
		storetest.AssertEventEqual(t, e, got)
		assert.Equal(t, time.UTC, got.Metadata.Timestamp.Location())
		if e.Data == nil {
			assert.Nil(t, got.Data)
		} else {
			assert.IsType(t, json.RawMessage(nil), got.Data, "data is kept as JSON")
		}
	}
}

func TestEncodeRejectsBadData(t *testing.T) {
	e := storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", json.RawMessage(`{"oops"`))
	_, err := boltstore.EncodeEvent(nil, &e)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	e.Data = func() {}
	_, err = boltstore.EncodeEvent(nil, &e)
	var invalid *herald.ValidationError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, "data", invalid.Field)
}

func TestDecodeErrorsNamePositionAndOffset(t *testing.T) {
	full := codecEvents()[0] // with a causation id of its own
	good := encodedBody(t, full)
	own := codecEvents()[1] // its own cause and correlation: the names follow the fixed part
	own.Metadata.CausationID, own.Metadata.CorrelationID = own.ID, own.ID
	bare := encodedBody(t, own)
	change := func(b []byte, f func(b []byte)) []byte {
		b = append([]byte(nil), b...)
		f(b)
		return b
	}
	// Envelopes whose checksum is right, in version 2, or that have none,
	// in version 1: the decoder's checks of the fields find what is wrong.
	tests := []struct {
		name   string
		body   []byte
		field  string
		offset int
	}{
		{"nanoseconds out of range", change(good, func(b []byte) { copy(b[49:], []byte{0xff, 0xff, 0xff, 0xff}) }), "metadata.timestamp", 49},
		{"authorization flags without an authorization", change(bare, func(b []byte) { b[53] |= 0x08 }), "flags", 53},
		{"causation id truncated", good[:60], "metadata.causationId", 54},
		{"context runs past the end", change(bare, func(b []byte) { b[54], b[55] = 0xff, 0x7f }), "context.name", 54},
		{"truncated in the names", bare[:60], "context.name", 54},
		{"trailing bytes without data", append(append([]byte(nil), bare...), 'x'), "", len(bare)},
		{"data flagged but missing", change(bare, func(b []byte) { b[53] |= 0x20 }), "data", len(bare)},
	}
	for _, tt := range tests {
		for _, version := range []byte{1, 2} {
			t.Run(fmt.Sprintf("%s in version %d", tt.name, version), func(t *testing.T) {
				_, err := boltstore.DecodeEvent(42, envelope(version, tt.body))
				assertDecodeError(t, err, 42, tt.field, tt.offset)
			})
		}
	}
	sealed := envelope(2, good)
	bad := []struct {
		name   string
		b      []byte
		field  string
		offset int
	}{
		{"empty", nil, "", 0},
		{"newer version", change(sealed, func(b []byte) { b[0] = 3 }), "version", 0},
		{"unknown version", change(sealed, func(b []byte) { b[0] = 0 }), "version", 0},
		{"shorter than the fixed part", good[:40], "", 40},
		{"shorter than the fixed part and the checksum", sealed[:56], "", 56},
		{"checksum mismatch", change(sealed, func(b []byte) { b[70] ^= 1 }), "checksum", len(good)},
		{"checksum damaged", change(sealed, func(b []byte) { b[len(b)-1] ^= 1 }), "checksum", len(good)},
		{"truncated", sealed[:len(sealed)-1], "checksum", len(good) - 1},
		{"version 2 damaged into 1", change(sealed, func(b []byte) { b[0] = 1 }), "version", 0},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := boltstore.DecodeEvent(42, tt.b)
			assertDecodeError(t, err, 42, tt.field, tt.offset)
		})
	}
}

// assertDecodeError checks that err is a *DecodeError at position, in
// field at offset, that matches ErrCorrupt and names the position.
func assertDecodeError(t *testing.T, err error, position uint64, field string, offset int) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, boltstore.ErrCorrupt)
	var de *boltstore.DecodeError
	require.True(t, errors.As(err, &de), "%v is a *DecodeError", err)
	assert.Equal(t, position, de.Position)
	assert.Contains(t, err.Error(), fmt.Sprintf("position %d", position))
	assert.Equal(t, field, de.Field, "%v", err)
	assert.Equal(t, offset, de.Offset, "%v", err)
}

// FuzzDecodeEvent feeds the decoder any bytes: it returns an event or an
// error naming the position, and never panics. An event it decodes
// encodes back to bytes that decode to the same event, data to the same
// bytes.
func FuzzDecodeEvent(f *testing.F) {
	for _, e := range codecEvents() {
		b, err := boltstore.EncodeEvent(nil, &e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:86])
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	for _, b := range sealedEnvelopes(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := boltstore.DecodeEvent(7, b)
		if err != nil {
			var de *boltstore.DecodeError
			if !errors.As(err, &de) || de.Position != 7 || !strings.Contains(err.Error(), "position 7") {
				t.Fatalf("error %v does not name position 7", err)
			}
			return
		}
		// An envelope with sealed fields decodes redacted, without keys,
		// and encodes back as one without: the flag is not stored.
		e.Metadata.Redacted = false
		again, err := boltstore.EncodeEvent(nil, &e)
		if err != nil {
			// Data that is not valid JSON decodes but does not encode.
			if !errors.Is(err, herald.ErrInvalid) {
				t.Fatalf("encode a decoded event: %v", err)
			}
			return
		}
		back, err := boltstore.DecodeEvent(7, again)
		if err != nil {
			t.Fatalf("decode a re-encoded event: %v", err)
		}
		assertStored(t, e, back)
	})
}

// FuzzEncodeDecode encodes events made of fuzzed fields and checks that
// they decode as they were, their data to the same bytes.
func FuzzEncodeDecode(f *testing.F) {
	f.Add("communication", "message", "sent", "domain", "jane", "owner", "k", "v", `{"text":"hey"}`, int64(1421260133), uint32(331), uint64(3), byte(0x3f))
	f.Add("", "", "", "", "", "", "", "", `null`, int64(-1), uint32(0), uint64(0), byte(0))
	f.Add("c", "a", "n", "", "", "", "x", "", `1`, int64(0), uint32(999999999), uint64(1), byte(0xc0))
	f.Add("c", "a", "n", "", "", "", "", "", `{"n": 1e400, "m": 123456789012345678901234567890}`, int64(0), uint32(0), uint64(1), byte(0x20))
	f.Fuzz(func(t *testing.T, context, aggregate, name, typ, user, owner, k, v, data string, sec int64, nsec uint32, rev uint64, flags byte) {
		e := fuzzEvent(context, aggregate, name, typ, user, owner, k, v, data, sec, nsec, rev, flags)
		b, err := boltstore.EncodeEvent(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := boltstore.DecodeEvent(9, b)
		if err != nil {
			t.Fatal(err)
		}
		e.Metadata.Position = 9
		assertStored(t, e, got)
	})
}

// fuzzEvent returns an event of the fuzzed fields, with the envelope's
// optional parts as flags says: user (1), authorization (2, and 4 and 8
// for whom), labels (16), data (32, when data is JSON), its own cause
// (64), a correlation id of its own (128).
func fuzzEvent(context, aggregate, name, typ, user, owner, k, v, data string, sec int64, nsec uint32, rev uint64, flags byte) herald.Event {
	e := herald.Event{
		Aggregate: herald.AggregateRef{Context: context, Name: aggregate, ID: uuid.NewSHA1(uuid.Nil, []byte(context))},
		Name:      name,
		ID:        uuid.NewSHA1(uuid.Nil, []byte(name)),
		Type:      typ,
		Metadata: herald.Metadata{
			Timestamp: time.Unix(sec, int64(nsec%1e9)),
			Revision:  rev,
		},
	}
	if flags&1 != 0 {
		e.User = &herald.User{ID: user}
	}
	if flags&2 != 0 {
		e.Metadata.Authorization = &herald.Authorization{Owner: owner, ForAuthenticated: flags&4 != 0, ForPublic: flags&8 != 0}
	}
	if flags&16 != 0 {
		e.Metadata.Labels = map[string]string{k: v}
	}
	if flags&32 != 0 && json.Valid([]byte(data)) {
		e.Data = json.RawMessage(data)
	}
	if flags&64 != 0 {
		e.Metadata.CausationID = e.ID // its own cause
	}
	if flags&128 != 0 {
		e.Metadata.CorrelationID = uuid.NewSHA1(uuid.Nil, []byte(k))
	} else {
		e.Metadata.CorrelationID = e.Metadata.CausationID
	}
	return e
}

// assertStoredEvents checks that got holds the events of want, each as
// assertStored checks it.
func assertStoredEvents(t testing.TB, want, got []herald.Event) {
	t.Helper()
	if !assert.Equal(t, storetest.Positions(want), storetest.Positions(got), "positions") {
		return
	}
	for i := range want {
		assertStored(t, want[i], got[i])
	}
}

// assertStored checks that got is want as the store keeps it: every
// envelope field equal, and data given as a json.RawMessage read back as
// the same bytes, since the store keeps the JSON it is given as it is
// (numbers too large for a float64 included).
func assertStored(t testing.TB, want, got herald.Event) bool {
	t.Helper()
	ok := assert.Equal(t, want.Data, got.Data, "%s %s: data", want.FullName(), want.ID)
	want.Data, got.Data = nil, nil
	return storetest.AssertEventEqual(t, want, got) && ok
}

// TestReadsOfEventsThatDiffer reads events whose names, users,
// authorizations and labels change from one event to the next, and back.
func TestReadsOfEventsThatDiffer(t *testing.T) {
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"))
	require.NoError(t, err)
	defer s.Close()
	users := []*herald.User{{ID: "jane"}, {ID: "john"}, nil, {ID: "jane"}, {}}
	auths := []*herald.Authorization{{Owner: "jane"}, {Owner: "jane", ForPublic: true}, nil, {Owner: "john", ForAuthenticated: true}}
	labels := []map[string]string{{"k": "v"}, nil, {"k": "w"}, {"k": "v", "l": "x"}, {"k": "v"}}
	refs := []herald.AggregateRef{storetest.NewRef("communication", "message"), storetest.NewRef("communication", "chat"), storetest.NewRef("identity", "user")}
	var events []herald.Event
	for i := range 40 {
		e := storetest.NewEvent(refs[i%len(refs)], []string{"sent", "liked", "sent", "edited"}[i%4], json.RawMessage(`{"i":`+strconv.Itoa(i)+`}`))
		e.Type = []string{herald.TypeDomain, herald.TypeError}[i/3%2]
		e.User, e.Metadata.Authorization, e.Metadata.Labels = users[i%len(users)], auths[i/2%len(auths)], labels[i/3%len(labels)]
		events = append(events, e)
	}
	storetest.Append(t, s, events...)
	assertStoredEvents(t, events, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	page, err := s.Query(t.Context(), herald.Query{Top: 100})
	require.NoError(t, err)
	assertStoredEvents(t, events, page.Events)
}
