package boltstore

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/batch"
)

// encode checks events on their own and encodes them into req. It is the
// part of an append that needs nothing of the store, done on the caller's
// goroutine so that concurrent callers encode in parallel; a large batch
// is encoded on as many goroutines as there are processors.
func (s *Store) encode(req *request, events []herald.Event) error {
	for i := range events {
		e := &events[i]
		if err := driver.CheckEnvelope(e); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if err := checkNames(e); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		if e.Metadata.Timestamp.IsZero() && req.now.IsZero() {
			req.now = time.Now().Round(0)
		}
	}
	if err := batch.CheckUniqueIDs(events, nil); err != nil {
		return err
	}
	if err := s.findPersonal(req, events); err != nil {
		return err
	}
	procs := runtime.GOMAXPROCS(0)
	if len(events) < parallelEncode || procs < 2 {
		var err error
		req.values, req.ends, err = s.encodeRange(req.values, req.ends, events, 0, req.now)
		return err
	}
	return s.encodeParallel(req, events, procs)
}

// parallelEncode is the batch size from which encode encodes on several
// goroutines, and encodeChunk the number of events they take at a time.
const (
	parallelEncode = 256
	encodeChunk    = 64
)

// encodedPart is what encodeParallel encoded of one chunk.
type encodedPart struct {
	values []byte
	ends   []int
	err    error
}

// encodedParts keeps the buffers of encodeParallel's chunks for reuse.
var encodedParts = sync.Pool{New: func() any { return new(encodedPart) }}

// encodeParallel encodes events into req on the caller's goroutine and
// procs-1 more, each taking the next chunk of encodeChunk events until
// none is left, so that a goroutine that starts late takes fewer; then it
// puts the chunks together in order.
func (s *Store) encodeParallel(req *request, events []herald.Event, procs int) error {
	parts := make([]*encodedPart, (len(events)+encodeChunk-1)/encodeChunk)
	for i := range parts {
		parts[i] = encodedParts.Get().(*encodedPart)
	}
	var next atomic.Int64
	work := func() {
		for i := int(next.Add(1) - 1); i < len(parts); i = int(next.Add(1) - 1) {
			lo, p := i*encodeChunk, parts[i]
			p.values, p.ends, p.err = s.encodeRange(p.values[:0], p.ends[:0], events[lo:min(lo+encodeChunk, len(events))], lo, req.now)
		}
	}
	var wg sync.WaitGroup
	for range min(procs, len(parts)) - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	defer func() { // once no goroutine writes to them
		for _, p := range parts {
			if cap(p.values) <= maxPooled {
				p.err = nil
				encodedParts.Put(p)
			}
		}
	}()
	total := len(req.values)
	for _, p := range parts {
		if p.err != nil {
			return p.err
		}
		total += len(p.values)
	}
	req.values = slices.Grow(req.values, total-len(req.values))
	for _, p := range parts {
		base := len(req.values)
		req.values = append(req.values, p.values...)
		for _, end := range p.ends {
			req.ends = append(req.ends, base+end)
		}
	}
	return nil
}

// encodeRange appends the encoded envelopes of events, the first of which
// is event first of the batch, to values, and where each ends to ends.
// now is the time stamped on those without one.
func (s *Store) encodeRange(values []byte, ends []int, events []herald.Event, first int, now time.Time) ([]byte, []int, error) {
	x := newEventEncoder()
	for i := range events {
		e := &events[i]
		ts := e.Metadata.Timestamp
		if ts.IsZero() {
			ts = now
		}
		start := len(values)
		var err error
		if values, err = x.appendEvent(values, e, ts); err != nil {
			return values, ends, fmt.Errorf("event %d: %w", first+i, err)
		}
		if n := len(values) - start; n > s.opts.maxEventSize {
			return values, ends, fmt.Errorf("event %d: %w", first+i, &herald.ValidationError{
				Event: e.FullName(), Field: "data",
				Reason: fmt.Sprintf("the event encodes to %d bytes, more than the limit of %d", n, s.opts.maxEventSize),
			})
		}
		ends = append(ends, len(values))
	}
	return values, ends, nil
}

// checkNames rejects names too long to be part of index keys.
func checkNames(e *herald.Event) error {
	fields := [...]struct{ field, value string }{
		{"context.name", e.Aggregate.Context}, {"aggregate.name", e.Aggregate.Name}, {"name", e.Name},
	}
	for _, f := range fields {
		if len(f.value) > MaxNameLength {
			return &herald.ValidationError{Event: e.FullName(), Field: f.field,
				Reason: fmt.Sprintf("is %d bytes long, more than %d", len(f.value), MaxNameLength)}
		}
	}
	return nil
}
