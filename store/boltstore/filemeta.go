package boltstore

import (
	"bytes"
	"errors"
	"hash/fnv"
	"io"
)

// A bbolt file starts with two meta pages, each the state of the file as
// of a transaction; a commit writes the older one. After the page header,
// a meta holds: magic (4 bytes), format version (4), page size (4), flags
// (4), the root bucket (its root page id, 8, and sequence, 8), the
// freelist page id (8), the number of pages in use (8), the transaction id
// (8) and an FNV-64a checksum of the bytes before it (8).
const (
	boltMagic   uint32 = 0xED0CDAED
	boltVersion uint32 = 2
	metaSize           = 64
	metaEnd            = pageHeaderSize + metaSize
	// noFreelist is the freelist page id of a file that keeps no freelist
	// (bbolt's NoFreelistSync, which Open sets).
	noFreelist = ^uint64(0)
)

// fileMeta is a meta page as checkFile read it.
type fileMeta struct {
	read                     bool // the file holds the whole meta
	magic, version, pageSize uint32
	root, freelist           uint64
	pages, txid              uint64
	sumOK                    bool
}

func (m *fileMeta) valid() bool {
	return m.read && m.magic == boltMagic && m.version == boltVersion && m.sumOK
}

// metaAt reads the meta page at off.
func metaAt(f io.ReaderAt, off int64) (fileMeta, error) {
	var b [metaEnd]byte
	if _, err := f.ReadAt(b[:], off); errors.Is(err, io.EOF) {
		return fileMeta{}, nil
	} else if err != nil {
		return fileMeta{}, err
	}
	m := b[pageHeaderSize:]
	sum := fnv.New64a()
	sum.Write(m[:metaSize-8])
	return fileMeta{
		read: true, magic: native.Uint32(m), version: native.Uint32(m[4:]), pageSize: native.Uint32(m[8:]),
		root: native.Uint64(m[16:]), freelist: native.Uint64(m[32:]),
		pages: native.Uint64(m[40:]), txid: native.Uint64(m[48:]),
		sumOK: native.Uint64(m[56:]) == sum.Sum64(),
	}, nil
}

// readMeta returns the meta page bbolt will use and the file's page size,
// chosen as bbolt chooses them: the page size of the first meta page, or
// of the second one; then the valid meta page with the highest
// transaction id.
func readMeta(f io.ReaderAt, size int64) (fileMeta, uint64, error) {
	pageSize, err := findPageSize(f, size)
	if err != nil {
		return fileMeta{}, 0, err
	}
	if pageSize < metaEnd {
		return fileMeta{}, 0, damaged("its meta page says pages are %d bytes, too small to hold it", pageSize)
	}
	if uint64(size) < 2*pageSize {
		return fileMeta{}, 0, damaged("file is %d bytes, shorter than its two meta pages of %d bytes", size, pageSize)
	}
	m0, err := metaAt(f, 0)
	if err != nil {
		return fileMeta{}, 0, err
	}
	m1, err := metaAt(f, int64(pageSize))
	if err != nil {
		return fileMeta{}, 0, err
	}
	switch {
	case m0.valid() && (!m1.valid() || m1.txid <= m0.txid):
		return m0, pageSize, nil
	case m1.valid():
		return m1, pageSize, nil
	}
	return fileMeta{}, 0, damaged("neither meta page is valid for pages of %d bytes", pageSize)
}

// findPageSize returns the page size bbolt opens the file with: that of
// the first meta page, which bbolt takes from the file's first 4 KiB, or
// of the second one, which it looks for at every power of two from 1 KiB
// to 16 MiB.
func findPageSize(f io.ReaderAt, size int64) (uint64, error) {
	m, err := metaAt(f, 0)
	if err != nil {
		return 0, err
	}
	if size >= 4096 && m.valid() {
		return uint64(m.pageSize), nil
	}
	tried := []fileMeta{m}
	for off := int64(1024); off <= 16<<20 && off < size-1024; off *= 2 {
		if m, err = metaAt(f, off); err != nil {
			return 0, err
		}
		if m.valid() {
			return uint64(m.pageSize), nil
		}
		tried = append(tried, m)
	}
	return 0, noMeta(f, size, tried)
}

// noMeta says why no meta page of the file is one bbolt takes, given
// those looked at.
func noMeta(f io.ReaderAt, size int64, tried []fileMeta) error {
	for _, m := range tried {
		if m.valid() {
			return damaged("file is %d bytes, shorter than its two meta pages of %d bytes", size, m.pageSize)
		}
	}
	for _, m := range tried {
		if m.read && m.magic == boltMagic && m.version == boltVersion {
			return damaged("no meta page is whole: their checksums do not match their contents")
		}
	}
	for _, m := range tried {
		if m.read && m.magic == boltMagic {
			return notStore("bbolt file of format version %d, this library reads version %d", m.version, boltVersion)
		}
	}
	if size < metaEnd && metaPrefix(f, size) {
		return damaged("file is %d bytes, shorter than a meta page (%d bytes)", size, metaEnd)
	}
	return notStore("no bbolt meta page at the start of the file")
}

// metaPrefix reports whether the file's size bytes, fewer than a meta
// page, are the start of the first meta page of a bbolt file.
func metaPrefix(f io.ReaderAt, size int64) bool {
	var want [24]byte // page 0, a meta page, no elements, no overflow; magic, version
	native.PutUint16(want[8:], metaPageFlag)
	native.PutUint32(want[16:], boltMagic)
	native.PutUint32(want[20:], boltVersion)
	n := min(int(size), len(want))
	got := make([]byte, n)
	if _, err := f.ReadAt(got, 0); err != nil {
		return false
	}
	return bytes.Equal(got, want[:n])
}
