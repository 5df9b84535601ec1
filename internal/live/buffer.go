package live

import "sync"

// Buffer holds what the bus brought until the consumer's goroutine takes
// it. It never blocks the bus: when it is full it drops what comes and
// remembers that it did, and the consumer reads the store instead. Its
// methods are safe for concurrent use.
type Buffer[T any] struct {
	mu       sync.Mutex
	items    []T
	limit    int
	overflow bool
	ready    chan struct{}
}

// NewBuffer returns a buffer of at most limit items.
func NewBuffer[T any](limit int) *Buffer[T] {
	return &Buffer[T]{limit: limit, ready: make(chan struct{}, 1)}
}

// Ready holds a token when the buffer went from empty to not empty.
func (b *Buffer[T]) Ready() <-chan struct{} { return b.ready }

// Offer buffers a copy of *v, or drops it and remembers the overflow when
// the buffer is full.
func (b *Buffer[T]) Offer(v *T) {
	b.mu.Lock()
	wake := len(b.items) == 0 && !b.overflow
	if len(b.items) < b.limit {
		b.items = append(b.items, *v)
	} else {
		b.overflow = true
	}
	b.mu.Unlock()
	if wake {
		select {
		case b.ready <- struct{}{}:
		default:
		}
	}
}

// Take returns what is buffered, leaving spare as the buffer, and whether
// items were dropped since the last Reset (then it returns none).
func (b *Buffer[T]) Take(spare []T) ([]T, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.overflow {
		return spare[:0], true
	}
	batch := b.items
	b.items = spare[:0]
	return batch, false
}

// Reset drops what is buffered and forgets an overflow.
func (b *Buffer[T]) Reset() {
	b.mu.Lock()
	clear(b.items)
	b.items = b.items[:0]
	b.overflow = false
	b.mu.Unlock()
}

// Poke makes the next Take report an overflow, as when items were
// dropped: the consumer reads the store, which has what it missed.
func (b *Buffer[T]) Poke() {
	b.Reset()
	b.mu.Lock()
	b.overflow = true
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}
