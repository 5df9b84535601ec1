package memstore

import (
	"time"

	"github.com/herald-go/herald"
)

// tables hold what the log's records refer to by index. They only grow:
// an entry, once added, is never written again, so a copy of the tables
// taken under the store's lock stays valid without it. A user or an
// authorization equal to the one added last shares its entry, so a run of
// events published by one user costs one entry.
type tables struct {
	aggregates     []herald.AggregateRef
	strings        []string
	zones          []*time.Location
	users          []*herald.User          // users[0] is nil
	authorizations []*herald.Authorization // authorizations[0] is nil
	labels         []map[string]string     // labels[0] is nil
}

func newTables() tables {
	return tables{
		users:          []*herald.User{nil},
		authorizations: []*herald.Authorization{nil},
		labels:         []map[string]string{nil},
	}
}

// addAggregate adds ref, which has no index yet, and returns its index.
func (t *tables) addAggregate(ref herald.AggregateRef) uint32 {
	t.aggregates = append(t.aggregates, ref)
	return uint32(len(t.aggregates) - 1)
}

// addLabels returns the index of labels, which it adds unless they are
// nil. Maps are not compared: each event's labels get an entry.
func (t *tables) addLabels(labels map[string]string) uint32 {
	if labels == nil {
		return 0
	}
	t.labels = append(t.labels, labels)
	return uint32(len(t.labels) - 1)
}

// interner finds the index of a string or a time zone in the tables,
// adding it when it has none. Only appenders use it, under the store's
// lock.
type interner struct {
	strings  map[string]uint32
	zones    map[zoneKey]uint32
	lastType string
	typeIdx  uint32
	haveType bool
	lastZone *time.Location
	zoneIdx  uint32
}

func newInterner() interner {
	return interner{strings: make(map[string]uint32), zones: make(map[zoneKey]uint32)}
}

// string returns the index of s.
func (in *interner) string(t *tables, s string) uint32 {
	if i, ok := in.strings[s]; ok {
		return i
	}
	t.strings = append(t.strings, s)
	i := uint32(len(t.strings) - 1)
	in.strings[s] = i
	return i
}

// typ returns the index of the event type s, which is most often the one
// of the event before.
func (in *interner) typ(t *tables, s string) uint32 {
	if !in.haveType || s != in.lastType {
		in.lastType, in.typeIdx, in.haveType = s, in.string(t, s), true
	}
	return in.typeIdx
}

// zoneKey tells time zones apart by what a timestamp shows of them: the
// location's name, and the zone's abbreviation and offset at that time.
// Parsing a timestamp with an offset makes a new location each time; those
// of one offset share an entry.
type zoneKey struct {
	name, abbr string
	offset     int
}

// zone returns the index of ts's location.
func (in *interner) zone(t *tables, ts time.Time) uint32 {
	loc := ts.Location()
	if loc == in.lastZone { // never nil: Location returns UTC for it
		return in.zoneIdx
	}
	abbr, offset := ts.Zone()
	k := zoneKey{loc.String(), abbr, offset}
	i, ok := in.zones[k]
	if !ok {
		t.zones = append(t.zones, loc)
		i = uint32(len(t.zones) - 1)
		in.zones[k] = i
	}
	in.lastZone, in.zoneIdx = loc, i
	return i
}

// addUser returns the index of u, which it adds unless it is nil or equal
// to the user added last.
func (t *tables) addUser(u *herald.User) uint32 { return addShared(&t.users, u) }

// addAuthorization returns the index of a, which it adds unless it is nil
// or equal to the authorization added last.
func (t *tables) addAuthorization(a *herald.Authorization) uint32 {
	return addShared(&t.authorizations, a)
}

// addShared returns the index of v in list, whose first entry is nil: 0
// for nil, the last entry's when it is equal to v, else that of v appended.
func addShared[T comparable](list *[]*T, v *T) uint32 {
	if v == nil {
		return 0
	}
	last := len(*list) - 1
	if p := (*list)[last]; p != nil && (p == v || *p == *v) {
		return uint32(last)
	}
	*list = append(*list, v)
	return uint32(last + 1)
}
