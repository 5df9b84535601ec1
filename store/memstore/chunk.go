package memstore

import "unsafe"

// pageSize is the size of the memory pages the operating system maps on
// first touch.
const pageSize = 4096

// chunk is the memory of chunkSize events of the log.
type chunk struct {
	records []record
	data    []any
}

// chunkMaker makes the log's next chunk ahead of time, on a goroutine of
// its own, and touches every page of it there: the operating system maps
// fresh memory on its first write, which costs microseconds a page, and
// this way the appender does not pay it. At most one chunk is made ahead.
type chunkMaker struct {
	next   chan chunk // holds the chunk made ahead, once it is ready
	making bool       // a goroutine is making one
}

func newChunkMaker() *chunkMaker {
	return &chunkMaker{next: make(chan chunk, 1)}
}

// take returns a chunk, the one made ahead when it is ready, and starts
// making the next. Only appenders call it, under the store's lock.
func (m *chunkMaker) take() chunk {
	var c chunk
	select {
	case c = <-m.next:
		m.making = false
	default:
		c = newChunk()
	}
	if !m.making {
		m.making = true
		go func() { m.next <- newChunk() }()
	}
	return c
}

// newChunk allocates a chunk and writes to every page of it.
func newChunk() chunk {
	c := chunk{records: make([]record, chunkSize), data: make([]any, chunkSize)}
	for i := 0; i < chunkSize; i += pageSize / int(unsafe.Sizeof(record{})) {
		c.records[i].revision = 0
	}
	for i := 0; i < chunkSize; i += pageSize / int(unsafe.Sizeof(c.data[0])) {
		c.data[i] = nil
	}
	return c
}
