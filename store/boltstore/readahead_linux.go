package boltstore

import (
	"os"
	"syscall"
	"unsafe"
)

// readAheadChunk is how much the read-ahead reads at once.
const readAheadChunk = 4 << 20

// readAhead reads the file into the page cache on a goroutine of its own,
// from start to end, while a read of the whole log runs; it stops when
// done is closed. bbolt maps the file with MADV_RANDOM, so without it a
// cold read of the log faults its pages in one at a time; asking the
// kernel with fadvise(WILLNEED) was measured to change nothing. A file
// mostly in the page cache already is left alone.
func (s *Store) readAhead(done <-chan struct{}) {
	f, err := os.Open(s.db.Path())
	if err != nil {
		return
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() < 2*readAheadChunk || resident(f, fi.Size()) {
		f.Close()
		return
	}
	go func() {
		defer f.Close()
		buf := make([]byte, readAheadChunk)
		for off := int64(0); ; off += readAheadChunk {
			select {
			case <-done:
				return
			default:
			}
			if _, err := f.ReadAt(buf, off); err != nil {
				return
			}
		}
	}()
}

// resident reports whether most of a sample of the file's pages are in
// the page cache.
func resident(f *os.File, size int64) bool {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return false
	}
	defer syscall.Munmap(data)
	page := int64(os.Getpagesize())
	const samples = 256
	in, vec := 0, make([]byte, 1)
	for i := range int64(samples) {
		off := (size - page) / samples * i / page * page
		_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&data[off])), uintptr(page), uintptr(unsafe.Pointer(&vec[0])))
		if errno == 0 && vec[0]&1 != 0 {
			in++
		}
	}
	return in >= samples*9/10
}
