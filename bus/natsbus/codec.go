package natsbus

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/nats-io/nats.go"
)

// partition returns the partition of an aggregate: a hash of its id.
func partition(id uuid.UUID, partitions int) int {
	h := fnv.New32a()
	h.Write(id[:])
	return int(h.Sum32() % uint32(partitions))
}

// subject returns the subject e is published to:
// prefix.context.aggregate.name.partition.
func (b *Bus) subject(e *herald.Event) (string, error) {
	for _, tok := range [...]struct{ field, v string }{
		{"aggregate context", e.Aggregate.Context}, {"aggregate name", e.Aggregate.Name}, {"name", e.Name},
	} {
		if err := checkName(tok.v); err != nil {
			return "", fmt.Errorf("event %s: the %s %q is no subject token: %v: %w", e.ID, tok.field, tok.v, err, herald.ErrInvalid)
		}
	}
	var sb strings.Builder
	sb.Grow(len(b.cfg.prefix) + len(e.Aggregate.Context) + len(e.Aggregate.Name) + len(e.Name) + 8)
	sb.WriteString(b.cfg.prefix)
	sb.WriteByte('.')
	sb.WriteString(e.Aggregate.Context)
	sb.WriteByte('.')
	sb.WriteString(e.Aggregate.Name)
	sb.WriteByte('.')
	sb.WriteString(e.Name)
	sb.WriteByte('.')
	sb.WriteString(strconv.Itoa(partition(e.Aggregate.ID, b.cfg.partitions)))
	return sb.String(), nil
}

// message returns the message that carries e: its JSON envelope, with the
// event id as Nats-Msg-Id.
func (b *Bus) message(e *herald.Event) (*nats.Msg, error) {
	subject, err := b.subject(e)
	if err != nil {
		return nil, err
	}
	// The envelope's own encoder: json.Marshal would check and compact
	// what it wrote a second time.
	data, err := e.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("event %s: encode: %w", e.ID, err)
	}
	m := nats.NewMsg(subject)
	m.Data = data
	m.Header.Set(nats.MsgIdHdr, e.ID.String())
	return m, nil
}

// decode returns the event data carries. Its Data is the Go value this
// process published, if it still keeps it; else what the registry makes
// of the payload; else the payload's JSON.
func (b *Bus) decode(data []byte) (herald.Event, error) {
	var e herald.Event
	if err := json.Unmarshal(data, &e); err != nil {
		return herald.Event{}, fmt.Errorf("decode the event: %w", err)
	}
	if e.ID == uuid.Nil {
		return herald.Event{}, fmt.Errorf("decode the event: it has no id")
	}
	if v, ok := b.local.get(e.ID); ok {
		e.Data = v
		return e, nil
	}
	if b.cfg.registry != nil {
		if err := b.cfg.registry.Decode(&e); err != nil {
			return e, fmt.Errorf("decode the data of %s %s: %w", e.FullName(), e.ID, err)
		}
	}
	return e, nil
}

// localEvents keeps the Data of the last events this process published, by
// event id, in a ring.
type localEvents struct {
	mu   sync.Mutex
	data map[uuid.UUID]any
	ring []uuid.UUID
	next int
}

func newLocalEvents(n int) *localEvents {
	if n == 0 {
		return nil
	}
	return &localEvents{data: make(map[uuid.UUID]any, n), ring: make([]uuid.UUID, n)}
}

// put keeps the Data of events, forgetting the oldest.
func (l *localEvents) put(events []herald.Event) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range events {
		if old := l.ring[l.next]; old != uuid.Nil {
			delete(l.data, old)
		}
		l.ring[l.next] = events[i].ID
		l.data[events[i].ID] = events[i].Data
		l.next = (l.next + 1) % len(l.ring)
	}
}

func (l *localEvents) get(id uuid.UUID) (any, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.data[id]
	return v, ok
}
