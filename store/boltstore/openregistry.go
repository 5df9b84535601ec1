package boltstore

import (
	"fmt"
	"os"
	"sync"
)

// openFiles are the files the stores of this process opened and have not
// closed. A second Open of one of them fails at once: bbolt's lock would
// make it wait for the open timeout, then blame another process. A file
// is known by its device and inode (os.SameFile), whatever path, link or
// symbolic link names it.
var openFiles fileRegistry

type fileRegistry struct {
	mu    sync.Mutex
	files map[*openFile]struct{}
}

type openFile struct{ fi os.FileInfo }

// open opens the file named name as openOrCreate does and records it as
// open, returning the function that forgets it; it fails when a store of
// this process has the file open. It opens the file under the registry's
// lock, so that of two stores of this process opening a file at once,
// one fails here, and not the other one later, finding the file its
// creator has not written yet empty.
func (r *fileRegistry) open(name string, flag int, perm os.FileMode) (f *os.File, created bool, release func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, created, err = openOrCreate(name, flag, perm); err != nil {
		return nil, false, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, false, nil, err
	}
	for open := range r.files {
		if os.SameFile(open.fi, fi) {
			_ = f.Close()
			return nil, false, nil, fmt.Errorf("the file is already open in this process: %w", ErrLocked)
		}
	}
	if r.files == nil {
		r.files = make(map[*openFile]struct{})
	}
	entry := &openFile{fi}
	r.files[entry] = struct{}{}
	return f, created, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.files, entry)
	}, nil
}
