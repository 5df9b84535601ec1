package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	bolt "go.etcd.io/bbolt"
)

// The binary envelope, format version 2. Every stored event is one value
// in the events bucket, keyed by its position, laid out as:
//
//	offset  size  field
//	0       1     format version (2)
//	1       8     revision, big-endian
//	9       16    event id
//	25      16    aggregate id
//	41      8     timestamp, Unix seconds, big-endian two's complement
//	49      4     timestamp, nanoseconds within the second, big-endian
//	53      1     flags (flag*)
//	54      ...   causation id (16), unless it is the event id
//	              (flagOwnCause); correlation id (16), unless it is the
//	              causation id (flagSameChain)
//	        ...   context, aggregate name, event name, type: each a uvarint
//	              length and the bytes
//	        ...   user id (flagUser), authorization owner (flagAuth), labels
//	              (flagLabels: a uvarint count, then key and value as above)
//	        ...   data (flagData): JSON, up to the checksum
//	-4      4     checksum: CRC-32C of every byte before it, big-endian
//
// The fixed part comes first so the revision can be written after the
// event is encoded (and the checksum with it), and the ids read without
// decoding the rest. An event published outside a handler is its own
// cause and correlation, so most envelopes leave both ids out. The
// position is the key, not part of the value.
//
// Version 1, which files written before checksums hold, is version 2
// without the checksum: its data is the rest of the value. It is still
// read; EncodeEvent writes version 2. Version 4 (envelopeSealed) is
// version 2 with the names of sealed personal fields before the data; the
// store writes it for the events that have some.
const (
	envelopeV1      byte = 1
	envelopeV2      byte = 2
	envelopeVersion      = envelopeV2 // the version EncodeEvent writes

	offRevision    = 1
	offID          = 9
	offAggregateID = 25
	offSeconds     = 41
	offNanos       = 49
	offFlags       = 53
	fixedSize      = 54
)

const (
	flagUser byte = 1 << iota
	flagAuth
	flagForAuthenticated
	flagForPublic
	flagLabels
	flagData
	flagOwnCause  // the causation id is the event id
	flagSameChain // the correlation id is the causation id

	knownFlags = flagUser | flagAuth | flagForAuthenticated | flagForPublic | flagLabels | flagData |
		flagOwnCause | flagSameChain
)

// EncodeEvent appends the binary envelope of e to dst and returns the
// extended buffer. It is the form the store keeps events in: the
// position is not part of it (the store keys values by position), every
// other field is, the timestamp to the nanosecond, and a checksum of
// them all that DecodeEvent checks. Data is encoded with encoding/json, a
// json.RawMessage kept as it is once checked to be valid JSON; nil data
// is left out. Data that cannot be encoded is a *herald.ValidationError
// for the field "data"; a nil e is an error matching herald.ErrInvalid.
func EncodeEvent(dst []byte, e *herald.Event) ([]byte, error) {
	if e == nil {
		return dst, errorf("encode: the event is nil: %w", herald.ErrInvalid)
	}
	data, err := driver.EncodeData(e)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	return appendChecksum(appendEnvelope(dst, e, e.Metadata.Timestamp, data), start), nil
}

// eventEncoder appends encoded events to a buffer, writing the JSON of
// their data into it directly, where driver.EncodeData would allocate it first.
type eventEncoder struct {
	buf []byte
	enc *json.Encoder
}

func newEventEncoder() *eventEncoder {
	x := &eventEncoder{}
	x.enc = json.NewEncoder(x) // escapes HTML as json.Marshal does
	return x
}

// Write appends p to the buffer, for the JSON encoder.
func (x *eventEncoder) Write(p []byte) (int, error) {
	x.buf = append(x.buf, p...)
	return len(p), nil
}

// appendEvent appends e's envelope with timestamp ts, its data and the
// checksum to b. On an error b is returned as it was.
func (x *eventEncoder) appendEvent(b []byte, e *herald.Event, ts time.Time) ([]byte, error) {
	start := len(b)
	switch d := e.Data.(type) {
	case nil:
		return appendChecksum(appendEnvelope(b, e, ts, nil), start), nil
	case json.RawMessage:
		data, err := driver.CheckRawData(e, d)
		if err != nil {
			return b, err
		}
		return appendChecksum(appendEnvelope(b, e, ts, data), start), nil
	}
	x.buf = appendEnvelope(b, e, ts, []byte{}) // flags data, which follows
	if err := x.encodeData(e); err != nil {
		b, x.buf = x.buf[:start], nil
		return b, err
	}
	b, x.buf = x.buf[:len(x.buf)-1], nil // without the encoder's newline
	return appendChecksum(b, start), nil
}

// encodeData appends the JSON of e's data and a newline to x.buf; a panic
// of the data's own marshaling is an error, not the caller's.
func (x *eventEncoder) encodeData(e *herald.Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = driver.DataError(e, fmt.Errorf("panicked: %v", r))
		}
	}()
	if err := x.enc.Encode(e.Data); err != nil {
		return driver.DataError(e, err)
	}
	return nil
}

// appendEnvelope appends e's envelope with timestamp ts and data (JSON,
// nil for none), all but the checksum.
func appendEnvelope(b []byte, e *herald.Event, ts time.Time, data []byte) []byte {
	m := &e.Metadata
	n := len(b)
	b = append(b, make([]byte, fixedSize)...)
	v := b[n:]
	v[0] = envelopeVersion
	binary.BigEndian.PutUint64(v[offRevision:], m.Revision)
	copy(v[offID:], e.ID[:])
	copy(v[offAggregateID:], e.Aggregate.ID[:])
	binary.BigEndian.PutUint64(v[offSeconds:], uint64(ts.Unix()))
	binary.BigEndian.PutUint32(v[offNanos:], uint32(ts.Nanosecond()))
	var flags byte
	if e.User != nil {
		flags |= flagUser
	}
	if a := m.Authorization; a != nil {
		flags |= flagAuth
		if a.ForAuthenticated {
			flags |= flagForAuthenticated
		}
		if a.ForPublic {
			flags |= flagForPublic
		}
	}
	if len(m.Labels) > 0 {
		flags |= flagLabels
	}
	if data != nil {
		flags |= flagData
	}
	if m.CausationID == e.ID {
		flags |= flagOwnCause
	} else {
		b = append(b, m.CausationID[:]...)
	}
	if m.CorrelationID == m.CausationID {
		flags |= flagSameChain
	} else {
		b = append(b, m.CorrelationID[:]...)
	}
	b[n+offFlags] = flags
	b = appendString(b, e.Aggregate.Context)
	b = appendString(b, e.Aggregate.Name)
	b = appendString(b, e.Name)
	b = appendString(b, e.Type)
	if e.User != nil {
		b = appendString(b, e.User.ID)
	}
	if m.Authorization != nil {
		b = appendString(b, m.Authorization.Owner)
	}
	if len(m.Labels) > 0 {
		b = binary.AppendUvarint(b, uint64(len(m.Labels)))
		for k, val := range m.Labels {
			b = appendString(b, k)
			b = appendString(b, val)
		}
	}
	return append(b, data...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// setRevision writes rev into an encoded envelope, and the checksum anew.
func setRevision(v []byte, rev uint64) {
	if binary.BigEndian.Uint64(v[offRevision:]) == rev {
		return
	}
	binary.BigEndian.PutUint64(v[offRevision:], rev)
	if v[0] != envelopeV1 {
		resetChecksum(v)
	}
}

// DecodeError reports bytes of the store that do not decode: the position
// of the event (0 when it is not one event's), the offset in its value
// where decoding failed, the field it was reading, and why. It matches
// ErrCorrupt. The store's errors wrap it, with the operation in front:
// "boltstore: read log: event at position 42: byte 90 (context.name): …".
type DecodeError struct {
	Position uint64
	Offset   int
	Field    string
	Reason   string
}

// Error describes the position, the offset and the field at fault.
func (e *DecodeError) Error() string {
	msg := "event at position " + strconv.FormatUint(e.Position, 10) +
		": byte " + strconv.Itoa(e.Offset)
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	return msg + ": " + e.Reason + ": " + ErrCorrupt.Error()
}

// Is makes errors.Is(err, ErrCorrupt) true for a *DecodeError.
func (e *DecodeError) Is(target error) bool { return target == ErrCorrupt }

// DecodeEvent decodes the binary envelope that EncodeEvent made, as the
// event at position. Data is a json.RawMessage holding its own copy of
// the bytes, or nil; everything else is copied too, so b may be reused.
// Bytes that are not such an envelope give a *DecodeError naming the
// position and the offset, never a panic; so do bytes that do not match
// the envelope's checksum, wherever they differ. Envelopes of format
// version 1, which have no checksum, decode too. DecodeEvent has no user
// keys: an envelope with sealed personal fields decodes with them "" and
// Metadata.Redacted set, as a store's reads give it once its user is
// forgotten.
func DecodeEvent(position uint64, b []byte) (herald.Event, error) {
	return decodeWithKeys(position, b, nil)
}

// decoder decodes envelopes. It interns the strings that repeat from one
// event to the next (names, types, users, owners) and the users,
// authorizations and labels themselves, so decoding a run of similar
// events allocates little; it compares each with the previous event's
// before it looks it up. Its zero value is ready; it is not safe for
// concurrent use.
type decoder struct {
	strings   map[string]string
	users     map[string]*herald.User
	auths     map[authKey]*herald.Authorization
	labelSets map[string]*labelSet // by their encoding
	last      lastDecoded
	// keys is the userkeys bucket of the transaction decode reads in,
	// for envelopes with sealed fields; nil when there is none.
	keys *bolt.Bucket
}

// lastDecoded is what the decoder found for the previous event: events in
// a run mostly repeat it, which a comparison of bytes finds without
// hashing them.
type lastDecoded struct {
	names  [4]string // context, aggregate, name, type
	user   *herald.User
	auth   *herald.Authorization
	labels *labelSet
}

// labelSet is a set of labels and its encoding.
type labelSet struct {
	key    string
	labels map[string]string
}

type authKey struct {
	owner                       string
	forAuthenticated, forPublic bool
}

// maxInterned bounds each of the decoder's caches.
const maxInterned = 4096

// slabSize is the size of the blocks reads copy data into, many events'
// data to a block: an event kept keeps its block.
const slabSize = 32 << 10

// decode decodes the envelope b of the event at position into e. When
// slab is not nil, data is copied into it (*slab grows) and e.Data refers
// to that copy; else data gets an allocation of its own.
func (d *decoder) decode(e *herald.Event, position uint64, b []byte, slab *[]byte) error {
	b, err := envelopeBody(position, b)
	if err != nil {
		return err
	}
	flags := b[offFlags]
	if flags&^knownFlags != 0 {
		return &DecodeError{Position: position, Offset: offFlags, Field: "flags", Reason: fmt.Sprintf("unknown flags %#02x", flags&^knownFlags)}
	}
	nanos := binary.BigEndian.Uint32(b[offNanos:])
	if nanos >= 1e9 {
		return &DecodeError{Position: position, Offset: offNanos, Field: "metadata.timestamp", Reason: fmt.Sprintf("%d nanoseconds is not within a second", nanos)}
	}
	*e = herald.Event{}
	m := &e.Metadata
	m.Position = position
	m.Revision = binary.BigEndian.Uint64(b[offRevision:])
	copy(e.ID[:], b[offID:])
	copy(e.Aggregate.ID[:], b[offAggregateID:])
	m.Timestamp = time.Unix(int64(binary.BigEndian.Uint64(b[offSeconds:])), int64(nanos)).UTC()

	r := fieldReader{b: b, off: fixedSize, position: position}
	if flags&flagOwnCause != 0 {
		m.CausationID = e.ID
	} else {
		copy(m.CausationID[:], r.fixed(16, "metadata.causationId"))
	}
	if flags&flagSameChain != 0 {
		m.CorrelationID = m.CausationID
	} else {
		copy(m.CorrelationID[:], r.fixed(16, "metadata.correlationId"))
	}
	e.Aggregate.Context = d.name(0, r.bytes("context.name"))
	e.Aggregate.Name = d.name(1, r.bytes("aggregate.name"))
	e.Name = d.name(2, r.bytes("name"))
	e.Type = d.name(3, r.bytes("type"))
	if flags&flagUser != 0 {
		e.User = d.user(r.bytes("user.id"))
	}
	if flags&flagAuth != 0 {
		owner := r.bytes("metadata.isAuthorized.owner")
		m.Authorization = d.auth(owner, flags&flagForAuthenticated != 0, flags&flagForPublic != 0)
	} else if flags&(flagForAuthenticated|flagForPublic) != 0 {
		return &DecodeError{Position: position, Offset: offFlags, Field: "flags", Reason: "authorization flags without an authorization"}
	}
	if flags&flagLabels != 0 {
		m.Labels = d.labels(&r)
	}
	var sealed []string
	if b[0] == envelopeSealed {
		sealed = r.sealedFields(d)
	}
	if r.err != nil {
		return r.err
	}
	if sealed != nil {
		if err := setData(e, position, b, r.off, slab); err != nil {
			return err
		}
		return d.open(e, position, sealed)
	}
	if flags&flagData != 0 {
		return setData(e, position, b, r.off, slab)
	}
	if r.off != len(b) {
		if b[0] == envelopeV1 && misversioned(b, r.off, false) {
			return misversionedError(position)
		}
		return &DecodeError{Position: position, Offset: r.off, Reason: fmt.Sprintf("%d bytes after the envelope", len(b)-r.off)}
	}
	return nil
}

// setData sets e's data to the bytes of the envelope b from off on, where
// decode's slab says.
func setData(e *herald.Event, position uint64, b []byte, off int, slab *[]byte) error {
	raw := b[off:]
	if len(raw) == 0 {
		return &DecodeError{Position: position, Offset: off, Field: "data", Reason: "data flagged but missing"}
	}
	if b[0] == envelopeV1 && misversioned(b, off, true) {
		return misversionedError(position)
	}
	switch {
	case slab == &inPlace:
		e.Data = raw
	case slab != nil:
		if cap(*slab)-len(*slab) < len(raw) {
			*slab = make([]byte, 0, max(slabSize, len(raw)))
		}
		start := len(*slab)
		*slab = append(*slab, raw...)
		e.Data = json.RawMessage((*slab)[start:len(*slab):len(*slab)])
	default:
		e.Data = json.RawMessage(append([]byte(nil), raw...))
	}
	return nil
}

// inPlace, passed as the slab, makes decode leave the data where it is, as
// a []byte (not a json.RawMessage) valid as long as b is.
var inPlace []byte

// decodeInPlace decodes b into e with the data left in b, as a []byte.
func (d *decoder) decodeInPlace(e *herald.Event, position uint64, b []byte) error {
	return d.decode(e, position, b, &inPlace)
}

// jsonRaw is the type of the data of decoded events.
type jsonRaw = json.RawMessage

// name interns b, the name or type at slot i of the envelope.
func (d *decoder) name(i int, b []byte) string {
	if s := d.last.names[i]; s == string(b) {
		return s
	}
	s := d.intern(b)
	d.last.names[i] = s
	return s
}

// intern returns b as a string, the same string for the same bytes.
func (d *decoder) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := d.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.strings == nil {
		d.strings = make(map[string]string)
	}
	if len(d.strings) < maxInterned {
		d.strings[s] = s
	}
	return s
}

// user returns the user of id, the same for the same id.
func (d *decoder) user(id []byte) *herald.User {
	if u := d.last.user; u != nil && u.ID == string(id) {
		return u
	}
	u := d.lookupUser(id)
	d.last.user = u
	return u
}

func (d *decoder) lookupUser(id []byte) *herald.User {
	if u, ok := d.users[string(id)]; ok {
		return u
	}
	u := &herald.User{ID: d.intern(id)}
	if d.users == nil {
		d.users = make(map[string]*herald.User)
	}
	if len(d.users) < maxInterned {
		d.users[u.ID] = u
	}
	return u
}

// auth returns the authorization of owner and the flags, the same for the
// same ones.
func (d *decoder) auth(owner []byte, forAuthenticated, forPublic bool) *herald.Authorization {
	if a := d.last.auth; a != nil && a.Owner == string(owner) && a.ForAuthenticated == forAuthenticated && a.ForPublic == forPublic {
		return a
	}
	a := d.lookupAuth(owner, forAuthenticated, forPublic)
	d.last.auth = a
	return a
}

func (d *decoder) lookupAuth(owner []byte, forAuthenticated, forPublic bool) *herald.Authorization {
	k := authKey{owner: d.intern(owner), forAuthenticated: forAuthenticated, forPublic: forPublic}
	if a, ok := d.auths[k]; ok {
		return a
	}
	a := &herald.Authorization{Owner: k.owner, ForAuthenticated: forAuthenticated, ForPublic: forPublic}
	if d.auths == nil {
		d.auths = make(map[authKey]*herald.Authorization)
	}
	if len(d.auths) < maxInterned {
		d.auths[k] = a
	}
	return a
}

// labels reads the labels at r, the same map for the same labels. Events
// share their labels by reference anyway; none may change them.
func (d *decoder) labels(r *fieldReader) map[string]string {
	start := r.off
	probe := *r
	probe.skipLabels()
	if probe.err == nil {
		if l := d.knownLabels(r.b[start:probe.off]); l != nil {
			r.off = probe.off
			return l.labels
		}
	}
	m := r.labels(d)
	if r.err != nil {
		return nil
	}
	d.keepLabels(&labelSet{key: string(r.b[start:r.off]), labels: m})
	return m
}

// knownLabels returns the labels encoded as enc, if the decoder has them.
func (d *decoder) knownLabels(enc []byte) *labelSet {
	if l := d.last.labels; l != nil && l.key == string(enc) {
		return l
	}
	l := d.labelSets[string(enc)]
	if l != nil {
		d.last.labels = l
	}
	return l
}

// keepLabels keeps l for the events that follow.
func (d *decoder) keepLabels(l *labelSet) {
	if d.labelSets == nil {
		d.labelSets = make(map[string]*labelSet)
	}
	if len(d.labelSets) < maxInterned {
		d.labelSets[l.key] = l
	}
	d.last.labels = l
}

// fieldReader reads the variable part of an envelope. After the first
// error it reads nothing more and keeps that error.
type fieldReader struct {
	b        []byte
	off      int
	position uint64
	err      error
}

func (r *fieldReader) fail(field, reason string) {
	if r.err == nil {
		r.err = &DecodeError{Position: r.position, Offset: r.off, Field: field, Reason: reason}
	}
}

// fixed reads n bytes.
func (r *fieldReader) fixed(n int, field string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.fail(field, fmt.Sprintf("%d bytes run past the end of the %d-byte value", n, len(r.b)))
		return nil
	}
	r.off += n
	return r.b[r.off-n : r.off]
}

func (r *fieldReader) uvarint(field string) uint64 {
	if r.err != nil {
		return 0
	}
	n, size := binary.Uvarint(r.b[r.off:])
	if size <= 0 {
		r.fail(field, "length is truncated or overflows")
		return 0
	}
	r.off += size
	return n
}

func (r *fieldReader) bytes(field string) []byte {
	start := r.off
	n := r.uvarint(field)
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.off) {
		r.off = start
		r.fail(field, fmt.Sprintf("length %d runs past the end of the %d-byte value", n, len(r.b)))
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// skipLabels moves past the labels at r.off.
func (r *fieldReader) skipLabels() {
	n := r.uvarint("metadata.labels")
	for i := uint64(0); i < 2*n && r.err == nil; i++ {
		r.bytes("metadata.labels")
	}
}

func (r *fieldReader) labels(d *decoder) map[string]string {
	start := r.off
	n := r.uvarint("metadata.labels")
	if r.err != nil {
		return nil
	}
	// Each label takes at least two bytes, which bounds a corrupt count.
	if n == 0 || n > uint64(len(r.b)-r.off)/2 {
		r.off = start
		r.fail("metadata.labels", fmt.Sprintf("count %d does not fit the value", n))
		return nil
	}
	labels := make(map[string]string, n)
	for range n {
		k := r.bytes("metadata.labels")
		v := r.bytes("metadata.labels")
		if r.err != nil {
			return nil
		}
		labels[d.intern(k)] = d.intern(v)
	}
	return labels
}
