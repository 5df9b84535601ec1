package herald

import (
	"context"
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// stamp is what a publisher fills into the events of one call: it reads the
// context and the clock once per call, not once per event.
type stamp struct {
	ids         *idSource
	clock       func() time.Time // nil: the time in the ids it makes
	now         time.Time        // read from the clock when first needed
	user        *User
	causation   uuid.UUID
	correlation uuid.UUID
}

func (p *Publisher) newStamp(ctx context.Context) stamp {
	s := stamp{ids: &p.ids, clock: p.now, user: UserFrom(ctx)}
	s.causation, s.correlation = causeIDs(ctx)
	return s
}

// apply fills what e leaves out. Nothing the caller set is overwritten.
func (s *stamp) apply(e *Event, def *Definition) {
	made := e.ID == uuid.Nil
	if made {
		e.ID = s.ids.next()
	}
	if e.Type == "" {
		e.Type = TypeDomain
	}
	if e.User == nil {
		e.User = s.user
	}
	m := &e.Metadata
	if m.Timestamp.IsZero() {
		m.Timestamp = s.timestamp(e.ID, made)
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
	m.Authorization = authorizationFor(e, def)
}

// timestamp is the time to stamp on an event with id: the time in the id
// when the publisher made it and has no clock of its own, else the clock's.
func (s *stamp) timestamp(id uuid.UUID, made bool) time.Time {
	if made && s.clock == nil {
		return time.Unix(id.Time().UnixTime())
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

// authorizationFor returns e's authorization, else its definition's default,
// with the publishing user as the owner where none is named. An anonymous
// event with neither has none: it is public.
func authorizationFor(e *Event, def *Definition) *Authorization {
	a := e.Metadata.Authorization
	if a == nil && def != nil {
		a = def.Authorization
	}
	owner := ""
	if e.User != nil {
		owner = e.User.ID
	}
	switch {
	case a == nil && owner == "":
		return nil
	case a == nil:
		return &Authorization{Owner: owner}
	case a.Owner == "" && owner != "":
		named := *a
		named.Owner = owner
		return &named
	}
	return a
}

// idSource makes time-ordered (version 7) event ids whose random bits come
// from a ChaCha8 generator seeded from crypto/rand: a cryptographically
// strong stream that costs no system call and a few nanoseconds per id.
type idSource struct {
	once sync.Once
	mu   sync.Mutex
	r    io.Reader
}

func (s *idSource) next() uuid.UUID {
	s.once.Do(s.seed)
	s.mu.Lock()
	id, err := uuid.NewV7FromReader(s.r)
	s.mu.Unlock()
	if err != nil {
		return uuid.New()
	}
	return id
}

// seed starts the generator from 32 bytes of crypto/rand, or reads
// crypto/rand for every id when it cannot get them.
func (s *idSource) seed() {
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		s.r = rand.Reader
		return
	}
	s.r = mrand.NewChaCha8(seed)
}
