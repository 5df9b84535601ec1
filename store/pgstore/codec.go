package pgstore

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// eventColumnNames are the columns of an event, in the order rows are
// written and read.
var eventColumnNames = []string{
	"position", "id", "context", "aggregate", "aggregate_id", "revision", "name", "type", "user_id",
	"timestamp_ns", "causation_id", "correlation_id", "labels", "owner", "access", "data", "version", "sealed",
}

// eventColumns is eventColumnNames for a select list.
var eventColumns = strings.Join(eventColumnNames, ", ")

// The bits of the access column; NULL is an event without an
// Authorization.
const (
	accessAuthenticated = 1
	accessPublic        = 2
)

// encodedEvent is an event's columns but its position and revision,
// encoded on the appender's goroutine.
type encodedEvent struct {
	data   []byte
	labels []byte
	ts     int64
	// sealed names the personal fields sealed in data, nil when none
	// is (the sealed column).
	sealed []string
}

// encodeEvent encodes what of e needs encoding; now is the time of an
// event without one. data, when not nil, is e's data encoded already.
func encodeEvent(e *herald.Event, now time.Time, data []byte) (encodedEvent, error) {
	x := encodedEvent{data: data}
	var err error
	if x.data == nil {
		if x.data, err = driver.EncodeData(e); err != nil {
			return x, err
		}
	}
	if len(e.Metadata.Labels) > 0 {
		if x.labels, err = json.Marshal(e.Metadata.Labels); err != nil {
			return x, &herald.ValidationError{Event: e.FullName(), Field: "metadata.labels", Reason: err.Error()}
		}
	}
	ts := e.Metadata.Timestamp
	if ts.IsZero() {
		ts = now
	}
	x.ts = ts.UnixNano()
	return x, nil
}

// row returns the columns of e, stored at its position and revision.
func row(e *herald.Event, x *encodedEvent) []any {
	var user any
	if e.User != nil {
		user = e.User.ID
	}
	var labels any
	if x.labels != nil {
		labels = x.labels
	}
	var access any
	owner, bits := accessOf(e)
	if bits != nil {
		access = *bits
	}
	var data, sealed any
	if x.data != nil {
		data = x.data
	}
	if x.sealed != nil {
		sealed = x.sealed
	}
	return []any{
		int64(e.Metadata.Position), [16]byte(e.ID), e.Aggregate.Context, e.Aggregate.Name, [16]byte(e.Aggregate.ID),
		int64(e.Metadata.Revision), e.Name, typeOf(e), user, x.ts,
		[16]byte(e.Metadata.CausationID), [16]byte(e.Metadata.CorrelationID), labels, owner, access, data,
		int32(e.Metadata.Version), // in range: stores check the envelope first
		sealed,
	}
}

// accessOf returns the owner and access columns of e: nil access is an
// event without an Authorization.
func accessOf(e *herald.Event) (owner string, access *int16) {
	a := e.Metadata.Authorization
	if a == nil {
		return "", nil
	}
	var bits int16
	if a.ForAuthenticated {
		bits |= accessAuthenticated
	}
	if a.ForPublic {
		bits |= accessPublic
	}
	return a.Owner, &bits
}

func typeOf(e *herald.Event) string {
	if e.Type == "" {
		return herald.TypeDomain
	}
	return e.Type
}

// decoder turns rows of eventColumns into events. It shares strings,
// users, labels and authorizations among the events it decodes, and
// copies their data into blocks of its own; none of them may be changed.
// Its zero value is ready to use.
type decoder struct {
	strs                          map[string]string
	context, aggregate, name, typ lastString
	users                         map[string]*herald.User
	user                          *herald.User
	labels                        map[string]labelSet
	lastLabels                    labelSet
	auths                         map[string]*[4]*herald.Authorization
	owner                         string
	auth                          *[4]*herald.Authorization
	block                         []byte
	reg                           *herald.Registry
	types                         *pgtype.Map // for the sealed column, made with its first value
}

// labelSet is the labels of events and their JSON.
type labelSet struct {
	raw string
	m   map[string]string
}

// lastString is the value a column had in the row before, which the next
// row most often repeats: comparing with it costs less than a map's hash.
type lastString struct{ s string }

func (d *decoder) column(l *lastString, b []byte) string {
	if string(b) != l.s {
		l.s = d.str(b)
	}
	return l.s
}

const dataBlock = 32 << 10

func (d *decoder) str(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	if d.strs == nil || len(d.strs) > 4096 {
		d.strs = make(map[string]string)
	}
	s := string(b)
	d.strs[s] = s
	return s
}

func (d *decoder) bytes(b []byte) []byte {
	if len(b) > dataBlock/4 {
		return append([]byte(nil), b...)
	}
	if len(d.block)+len(b) > cap(d.block) {
		d.block = make([]byte, 0, dataBlock)
	}
	start := len(d.block)
	d.block = append(d.block, b...)
	return d.block[start:len(d.block):len(d.block)]
}

// decode decodes one row whose raw values are vals, in the formats of
// fields, into e; off is the index of the first event column. An event
// whose personal fields are sealed keeps its data sealed, as a
// json.RawMessage, and decode returns the names of those fields: the
// caller opens them (Store.open) and then decodes the data.
func (d *decoder) decode(e *herald.Event, fields []pgconn.FieldDescription, vals [][]byte, off int) (sealed []string, err error) {
	f := func(i int) int16 { return fields[off+i].Format }
	v := vals[off : off+len(eventColumnNames)]
	pos, err := decodeInt(v[0], f(0))
	if err != nil {
		return nil, err
	}
	*e = herald.Event{}
	e.Metadata.Position = uint64(pos)
	if e.ID, err = decodeUUID(v[1], f(1)); err != nil {
		return nil, err
	}
	e.Aggregate.Context, e.Aggregate.Name = d.column(&d.context, v[2]), d.column(&d.aggregate, v[3])
	if e.Aggregate.ID, err = decodeUUID(v[4], f(4)); err != nil {
		return nil, err
	}
	rev, err := decodeInt(v[5], f(5))
	if err != nil {
		return nil, err
	}
	e.Metadata.Revision = uint64(rev)
	e.Name, e.Type = d.column(&d.name, v[6]), d.column(&d.typ, v[7])
	if v[8] != nil {
		u, ok := d.user, d.user != nil && string(v[8]) == d.user.ID
		if !ok {
			u, ok = d.users[string(v[8])]
		}
		if !ok {
			if d.users == nil || len(d.users) > 4096 {
				d.users = make(map[string]*herald.User)
			}
			u = &herald.User{ID: string(v[8])}
			d.users[u.ID] = u
		}
		d.user = u
		e.User = u
	}
	ts, err := decodeInt(v[9], f(9))
	if err != nil {
		return nil, err
	}
	e.Metadata.Timestamp = time.Unix(0, ts).UTC()
	if e.Metadata.CausationID, err = decodeUUID(v[10], f(10)); err != nil {
		return nil, err
	}
	if e.Metadata.CorrelationID, err = decodeUUID(v[11], f(11)); err != nil {
		return nil, err
	}
	if l := v[12]; l != nil {
		if f(12) == pgx.BinaryFormatCode && len(l) > 0 {
			l = l[1:] // jsonb's version byte
		}
		if string(l) != d.lastLabels.raw || d.lastLabels.m == nil {
			ls, ok := d.labels[string(l)]
			if !ok {
				ls.raw = string(l)
				if err := json.Unmarshal(l, &ls.m); err != nil {
					return nil, fmt.Errorf("position %d: labels: %w", pos, err)
				}
				if d.labels == nil || len(d.labels) > 1024 {
					d.labels = make(map[string]labelSet)
				}
				d.labels[ls.raw] = ls
			}
			d.lastLabels = ls
		}
		e.Metadata.Labels = d.lastLabels.m
	}
	if v[14] != nil {
		bits, err := decodeInt(v[14], f(14))
		if err != nil {
			return nil, err
		}
		if d.auth == nil || string(v[13]) != d.owner {
			byAccess, ok := d.auths[string(v[13])]
			if !ok {
				if d.auths == nil || len(d.auths) > 4096 {
					d.auths = make(map[string]*[4]*herald.Authorization)
				}
				byAccess = new([4]*herald.Authorization)
				d.auths[string(v[13])] = byAccess
			}
			d.owner, d.auth = d.str(v[13]), byAccess
		}
		bits &= accessAuthenticated | accessPublic
		a := d.auth[bits]
		if a == nil {
			a = &herald.Authorization{Owner: d.owner, ForAuthenticated: bits&accessAuthenticated != 0, ForPublic: bits&accessPublic != 0}
			d.auth[bits] = a
		}
		e.Metadata.Authorization = a
	}
	version, err := decodeInt(v[16], f(16))
	if err != nil {
		return nil, fmt.Errorf("position %d: version: %w", pos, err)
	}
	e.Metadata.Version = int(version)
	if v[17] != nil {
		if sealed, err = d.sealed(v[17], f(17)); err != nil {
			return nil, fmt.Errorf("position %d: sealed: %w", pos, err)
		}
	}
	if v[15] != nil {
		raw := v[15]
		if f(15) == pgx.TextFormatCode {
			return nil, fmt.Errorf("position %d: data in text format", pos)
		}
		e.Data = json.RawMessage(d.bytes(raw))
		if d.reg != nil && sealed == nil {
			if err := d.reg.Decode(e); err != nil {
				return nil, fmt.Errorf("pgstore: read: position %d: %w", pos, err)
			}
		}
	}
	return sealed, nil
}

// sealed decodes a value of the sealed column, a text[] of one or more
// names.
func (d *decoder) sealed(b []byte, format int16) ([]string, error) {
	var names []string
	if format == pgx.BinaryFormatCode {
		var err error
		if names, err = d.textArray(b); err != nil {
			return nil, err
		}
	} else {
		if d.types == nil {
			d.types = pgtype.NewMap()
		}
		if err := d.types.Scan(pgtype.TextArrayOID, format, b, &names); err != nil {
			return nil, err
		}
		for i, n := range names {
			names[i] = d.str([]byte(n))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no field names")
	}
	return names, nil
}

// textArray decodes a one-dimensional text[] without NULLs in the binary
// format: the number of dimensions, a flag, the elements' type, the
// length and lower bound of the dimension, then each element's length
// and bytes.
func (d *decoder) textArray(b []byte) ([]string, error) {
	bad := fmt.Errorf("not a one-dimensional array of text without NULLs")
	if len(b) < 12 {
		return nil, bad
	}
	dims := binary.BigEndian.Uint32(b)
	if dims == 0 {
		return nil, nil
	}
	if dims != 1 || len(b) < 20 {
		return nil, bad
	}
	n := int(int32(binary.BigEndian.Uint32(b[12:])))
	if n < 0 || n > len(b) {
		return nil, bad
	}
	b = b[20:]
	names := make([]string, n)
	for i := range names {
		if len(b) < 4 {
			return nil, bad
		}
		size := int(int32(binary.BigEndian.Uint32(b)))
		if size < 0 || size > len(b)-4 {
			return nil, bad
		}
		names[i] = d.str(b[4 : 4+size])
		b = b[4+size:]
	}
	return names, nil
}

// decodeInt decodes an int2, int4 or int8 value.
func decodeInt(b []byte, format int16) (int64, error) {
	if format == pgx.TextFormatCode {
		return strconv.ParseInt(string(b), 10, 64)
	}
	switch len(b) {
	case 8:
		return int64(binary.BigEndian.Uint64(b)), nil
	case 4:
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case 2:
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	}
	return 0, fmt.Errorf("an integer of %d bytes", len(b))
}

func decodeUUID(b []byte, format int16) (uuid.UUID, error) {
	if format == pgx.TextFormatCode {
		return uuid.ParseBytes(b)
	}
	if len(b) != 16 {
		return uuid.UUID{}, fmt.Errorf("a uuid of %d bytes", len(b))
	}
	return uuid.UUID(b), nil
}
