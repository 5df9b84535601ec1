package herald

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// stamp is what a publisher fills into the events of one call: it reads the
// context and the clock once per call, not once per event.
type stamp struct {
	ids         *idSource
	owned       *ownedBlocks
	clock       func() time.Time // nil: the time in the ids it makes
	now         time.Time        // read from the clock when first needed
	user        *User
	labels      map[string]string // ContextWithLabels's, shared by the events
	causation   uuid.UUID
	correlation uuid.UUID
	// aggregate is set for the events of one aggregate a Repository
	// saves: they carry owner, the aggregate's owner, whoever publishes.
	aggregate bool
	owner     string
}

func (p *Publisher) newStamp(ctx context.Context) stamp {
	// userFrom answers with the user of the event being handled when no
	// ContextWithUser inside the handler says otherwise.
	s := stamp{ids: &p.ids, owned: &p.owned, clock: p.now, user: userFrom(ctx), labels: labelsFrom(ctx)}
	s.causation, s.correlation = causeIDs(ctx)
	return s
}

// apply fills what e leaves out. Nothing the caller set is overwritten.
func (s *stamp) apply(e *Event, def *Definition) {
	made := e.ID == uuid.Nil
	var ms int64
	if made {
		e.ID, ms = s.ids.next()
	}
	if e.Type == "" {
		e.Type = TypeDomain
	}
	if e.User == nil {
		e.User = s.user
	}
	m := &e.Metadata
	if m.Timestamp.IsZero() {
		m.Timestamp = s.timestamp(ms, made)
	}
	if m.CausationID == uuid.Nil {
		m.CausationID = s.causation
	}
	if m.CorrelationID == uuid.Nil {
		m.CorrelationID = s.correlation
	}
	if m.CausationID == uuid.Nil {
		m.CausationID = e.ID
	}
	if m.CorrelationID == uuid.Nil {
		m.CorrelationID = m.CausationID
	}
	if len(s.labels) > 0 {
		m.Labels = withLabels(m.Labels, s.labels)
	}
	m.Authorization = s.authorizationFor(e, def)
	if m.Version == 0 && def != nil && def.Version > 1 {
		m.Version = def.Version // 0 is version 1
	}
}

// timestamp is the time to stamp on an event: ms, the time in its id, when
// the publisher made the id and has no clock of its own, else the clock's.
func (s *stamp) timestamp(ms int64, made bool) time.Time {
	if made && s.clock == nil {
		return time.UnixMilli(ms)
	}
	if s.now.IsZero() {
		if s.clock != nil {
			s.now = s.clock()
		} else {
			s.now = time.Now()
		}
	}
	return s.now
}

// authorizationFor returns e's authorization, else its definition's
// default, else a block for its owner alone (wolkenkit's default). The
// owner is the aggregate's for a Repository's events, else the one the
// block names, else the publishing user; an anonymous event without an
// owner is received by no one but readers with a role. A block it makes
// for an owner is shared by the events that get the same one
// (ownedBlocks).
func (s *stamp) authorizationFor(e *Event, def *Definition) *Authorization {
	a := e.Metadata.Authorization
	if a == nil && def != nil {
		a = def.Authorization
	}
	if a == nil {
		a = &private
	}
	if s.aggregate {
		if t, ok := e.Data.(OwnershipTransferred); ok && e.Name == TransferredOwnership {
			s.owner = t.To
		}
		if a.Owner == s.owner {
			return a
		}
		return s.owned.get(a, s.owner)
	}
	if a.Owner == "" && e.User != nil && e.User.ID != "" {
		return s.owned.get(a, e.User.ID)
	}
	return a
}

// private is the block of an event that grants nothing beyond its owner.
// Blocks are never changed once published, so events share it.
var private Authorization

// ownedBlocks remembers the authorization block a publisher made last: a
// base block with an owner filled in. Events are published in runs by one
// user, and a block is never changed once published, so the next event of
// the run shares it instead of allocating its own.
type ownedBlocks struct {
	last atomic.Pointer[ownedBlock]
}

type ownedBlock struct {
	base  Authorization // without the owner
	owned Authorization
}

// get returns base with owner as its owner.
func (o *ownedBlocks) get(base *Authorization, owner string) *Authorization {
	if b := o.last.Load(); b != nil && b.base == *base && b.owned.Owner == owner {
		return &b.owned
	}
	b := &ownedBlock{base: *base, owned: *base}
	b.owned.Owner = owner
	o.last.Store(b)
	return &b.owned
}

// idSource makes time-ordered (version 7) event ids. The first id of each
// millisecond comes from uuid.NewV7FromReader, which reads the clock,
// takes the uuid package's process-wide lock and allocates for every id;
// the ids after it in the same millisecond count up from it, each adding a
// random amount from 1 to 2^32 to its 62 random bits, RFC 9562's
// monotonic random method. They share its time and its 12-bit sequence
// number, which the uuid package never gives again in this process, so
// they are unique; they increase; and the next one cannot be guessed. The
// random bits come from a ChaCha8 generator seeded from crypto/rand: a
// cryptographically strong stream that costs no system call.
type idSource struct {
	once sync.Once
	mu   sync.Mutex
	r    *mrand.ChaCha8
	last uuid.UUID // the id made last
	ms   int64     // the time in last, in ms since 1970
}

// randBits masks the 62 random bits in the last 8 bytes of an id.
const randBits = 1<<62 - 1

// next returns a new id and the time in it, in ms since 1970. It reads
// the wall clock, as the uuid package does: the monotonic one stops while
// the machine sleeps, and an id made after would carry the time before.
func (s *idSource) next() (uuid.UUID, int64) {
	s.once.Do(s.seed)
	now := time.Now().UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == s.ms {
		low := binary.BigEndian.Uint64(s.last[8:]) & randBits
		if next := low + 1 + s.r.Uint64()>>32; next <= randBits {
			binary.BigEndian.PutUint64(s.last[8:], next|0x80<<56) // variant 10
			return s.last, s.ms
		}
	}
	id, _ := uuid.NewV7FromReader(s.r) // a ChaCha8 never fails to read
	sec, nsec := id.Time().UnixTime()
	s.last, s.ms = id, sec*1000+nsec/1e6
	return id, s.ms
}

// seed starts the generator from 32 bytes of crypto/rand, whose Read
// never returns an error.
func (s *idSource) seed() {
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	s.r = mrand.NewChaCha8(seed)
}
