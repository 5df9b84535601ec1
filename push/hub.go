package push

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
)

// hub holds the newest events of the log, in position order, in a ring
// that every client reads at its own cursor. One writer fills it: the
// goroutine of an [engine.Engine] that
// follows the bus, reads from the store whatever the bus brought out of
// order or not at all, and hands the events over one at a time. The bus
// side of that subscription only buffers, so neither the hub nor any client
// ever holds up a publisher.
//
// A client is a cursor into the ring: the sequence number of the next
// entry it reads. A client whose cursor falls more than the ring's size
// behind would read entries that were overwritten; it is cut off.
type hub struct {
	slots []atomic.Pointer[entry]
	size  uint64 // len(slots), a power of two
	mask  uint64

	// next is the sequence number the next entry gets; entries below it
	// are in their slots, or overwritten.
	next atomic.Uint64
	// last is the position of the newest entry, or the head of the log
	// when the hub started if it has none.
	last atomic.Uint64
	// floor is the position of the newest entry overwritten, or the head
	// of the log when the hub started: the ring holds every event with a
	// position above it that was stored up to last.
	floor atomic.Uint64

	// kick wakes the notifier after the writer added entries.
	kick chan struct{}

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when entries were added
	clients map[*client]struct{}

	stop    chan struct{}
	stopped chan struct{}      // closed when the notifier has ended
	engine  *engine.Engine     // follows the log and fills the ring
	feed    *feed              // nil without a bus
	cancel  context.CancelFunc // ends the engine's Run
	ran     chan struct{}      // closed when Run returned
}

// entry is one event of the ring. It is immutable but for its lazily made
// encodings, which every client shares.
type entry struct {
	seq uint64
	ev  herald.Event
	// upcastErr is why ev could not be brought to the current version of
	// its definition; it is not sent then.
	upcastErr error

	frameOnce sync.Once
	frame     []byte // the whole SSE frame of the envelope
	envelope  []byte // the JSON of the envelope, the frame's data
	frameErr  error

	viewOnce sync.Once
	view     any // the data decoded from JSON, for maps
	viewErr  error
}

// envelopeFrame returns the SSE frame that sends the whole envelope,
// encoding it on first use.
func (e *entry) envelopeFrame() ([]byte, error) {
	e.frameOnce.Do(func() {
		e.frameErr = recovered(func() error {
			data, err := e.ev.MarshalJSON()
			if err == nil {
				e.envelope, e.frame = data, appendFrame(nil, &e.ev, data)
			}
			return err
		})
	})
	return e.frame, e.frameErr
}

// dataView returns the data as a map reads it, decoding it on first use.
func (e *entry) dataView() (any, error) {
	e.viewOnce.Do(func() {
		e.viewErr = recovered(func() (err error) {
			e.view, err = dataView(e.ev.Data)
			return err
		})
	})
	return e.view, e.viewErr
}

func newHub(size int, head uint64) *hub {
	n := uint64(1)
	for n < uint64(size) {
		n <<= 1
	}
	h := &hub{
		slots:   make([]atomic.Pointer[entry], n),
		size:    n,
		mask:    n - 1,
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
		clients: make(map[*client]struct{}),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	h.last.Store(head)
	h.floor.Store(head)
	return h
}

// handle adds e, and the error of its upcast, to the ring. The engine
// calls it on its one goroutine, in position order. It never blocks.
func (h *hub) handle(e herald.Event, upcastErr error) {
	pos := e.Metadata.Position
	if pos <= h.last.Load() {
		return // seen already
	}
	seq := h.next.Load()
	slot := &h.slots[seq&h.mask]
	if old := slot.Load(); old != nil {
		h.floor.Store(old.ev.Metadata.Position)
	}
	slot.Store(&entry{seq: seq, ev: e, upcastErr: upcastErr})
	h.last.Store(pos)
	h.next.Store(seq + 1)
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// at returns the entry with sequence number seq, which must be below next,
// or nil when it was overwritten.
func (h *hub) at(seq uint64) *entry {
	e := h.slots[seq&h.mask].Load()
	if e == nil || e.seq != seq {
		return nil
	}
	return e
}

// seek returns the sequence number of the first entry after position pos,
// or next when there is none yet. It returns false when the ring may not
// hold every event after pos: some were overwritten, or are older than the
// hub.
func (h *hub) seek(pos uint64) (uint64, bool) {
	next := h.next.Load()
	if pos < h.floor.Load() {
		return 0, false
	}
	lo := next - min(next, h.size)
	// The first entry in [lo, next) with a position above pos.
	i, j := lo, next
	for i < j {
		m := i + (j-i)/2
		e := h.at(m)
		if e == nil {
			return 0, false
		}
		if e.ev.Metadata.Position <= pos {
			i = m + 1
		} else {
			j = m
		}
	}
	return i, true
}

// waitChan returns a channel that is closed once entries are added after
// the call.
func (h *hub) waitChan() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changed
}

func (h *hub) add(c *client) {
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

// count returns the number of clients open now.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// all returns the clients open now.
func (h *hub) all() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	return cs
}

// notify runs on the hub's notifier goroutine until stop is closed. Each
// time the writer added entries it wakes the clients waiting for them,
// all at once however many entries came, and cuts off the clients that
// fell more than the ring's size behind; a client blocked writing to a
// peer that reads nothing learns of it only this way.
func (h *hub) notify() {
	defer close(h.stopped)
	var laggards []*client
	for {
		select {
		case <-h.kick:
		case <-h.stop:
			return
		}
		h.mu.Lock()
		close(h.changed)
		h.changed = make(chan struct{})
		next := h.next.Load()
		for c := range h.clients {
			if c.following.Load() && next-c.cursor.Load() > h.size {
				laggards = append(laggards, c)
			}
		}
		h.mu.Unlock()
		for i, c := range laggards {
			c.cut("it fell more than the buffer size behind", true)
			laggards[i] = nil
		}
		laggards = laggards[:0]
	}
}
