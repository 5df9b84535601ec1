package boltstore

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// errLockTimeout is lockFile's error once the open timeout passed.
var errLockTimeout = errors.New("another process holds the file")

// lockRetry is how often Open tries again for the lock another process
// holds.
const lockRetry = 50 * time.Millisecond

// fileOpener opens the store's file for bbolt (bolt.Options.OpenFile) and
// makes sure of it before bbolt reads it: that no store of this process
// has it open (see openFiles); then, holding its lock, that it is empty or
// a bbolt file without damage (see checkFile).
type fileOpener struct {
	timeout time.Duration
	release func() // forgets the file in openFiles; set once claimed
}

func (o *fileOpener) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, release, err := openFiles.open(name, flag, perm)
	if err != nil {
		return nil, err
	}
	o.release = release
	if err := o.prepare(f); err != nil {
		_ = f.Close()
		o.done()
		return nil, err
	}
	return f, nil
}

// done forgets the file in openFiles, if it was claimed.
func (o *fileOpener) done() {
	if o.release != nil {
		o.release()
		o.release = nil
	}
}

// prepare takes the file's lock, then checks the file unless it is empty,
// a file bbolt makes a new one of.
func (o *fileOpener) prepare(f *os.File) error {
	if err := lockFile(f, o.timeout); errors.Is(err, errLockTimeout) {
		return fmt.Errorf("%w: waited %s: %w", err, o.timeout, ErrLocked)
	} else if err != nil {
		return fmt.Errorf("lock the file: %w", err)
	}
	fi, err := f.Stat() // another process may have written it meanwhile
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return nil
	}
	return checkFile(f, fi.Size())
}
