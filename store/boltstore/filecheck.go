package boltstore

import (
	"fmt"
	"io"
)

// checkFile checks the bbolt file f, of size bytes, before bbolt opens it.
// bbolt trusts the file it maps: some damage makes it panic on a goroutine
// of its own, as it rebuilds its free list by walking the pages, and a
// page past the end of a truncated file faults when it is read, which no
// recover catches. So the check reads the file itself, never through a
// mapping: it takes the meta page bbolt will use, as bbolt chooses it,
// checks that the file holds every page the meta page counts, walks the
// tree of every bucket from the root, reading each page once
// (treeCheck), and checks the freelist page when the file has one.
//
// Damage is an error matching ErrCorrupt that names it; a file that is
// not a bbolt file at all, one matching ErrNotStore.
func checkFile(f io.ReaderAt, size int64) error {
	m, pageSize, err := readMeta(f, size)
	if err != nil {
		return err
	}
	if m.pages > uint64(size)/pageSize {
		return damaged("file is %d bytes but its meta page says it holds %d pages of %d bytes", size, m.pages, pageSize)
	}
	c := newTreeCheck(f, pageSize, m.pages)
	if _, err := c.node(m.root, pageRef{what: "the root of the file's buckets"}, nil, nil, nil, 0); err != nil {
		return err
	}
	if m.freelist != noFreelist {
		return c.freelist(m.freelist)
	}
	return nil
}

// damaged returns an error about damage in the file, matching ErrCorrupt.
func damaged(format string, args ...any) error {
	return fmt.Errorf("damaged file: %s: %w", fmt.Sprintf(format, args...), ErrCorrupt)
}

// notStore returns an error about a file that is not a bbolt file,
// matching ErrNotStore.
func notStore(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrNotStore)
}
