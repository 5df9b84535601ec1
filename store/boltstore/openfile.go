package boltstore

import (
	"errors"
	"fmt"
	"io/fs"
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
// has it open (openFiles); then, holding its lock, that it is a file
// the store created or may create a store in, or a bbolt file without
// damage (checkFile).
type fileOpener struct {
	timeout     time.Duration
	createEmpty bool
	release     func() // forgets the file in openFiles; set once claimed
}

// open is the function bbolt opens the file with.
func (o *fileOpener) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, created, release, err := openFiles.open(name, flag, perm)
	if err != nil {
		return nil, err
	}
	o.release = release
	if err := o.prepare(f, created); err != nil {
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

// prepare takes the file's lock, then checks the file unless it is empty
// and the store may create its store in it. An empty file that another
// process has just created, and not locked yet, is refused too: a rare
// error, and Open cannot tell it from a file emptied by accident.
func (o *fileOpener) prepare(f *os.File, created bool) error {
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
		if created || o.createEmpty {
			return nil
		}
		return fmt.Errorf("the file is empty; WithCreateIfEmpty makes a store in it: %w", ErrNotStore)
	}
	return checkFile(f, fi.Size())
}

// openOrCreate opens the file named name, and creates it only when it
// does not exist (and flag asks to); created says whether it did.
func openOrCreate(name string, flag int, perm os.FileMode) (f *os.File, created bool, err error) {
	f, err = os.OpenFile(name, flag&^os.O_CREATE, perm)
	if err == nil || flag&os.O_CREATE == 0 || !errors.Is(err, fs.ErrNotExist) {
		return f, false, err
	}
	f, err = os.OpenFile(name, flag|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) { // another created it meanwhile
		f, err = os.OpenFile(name, flag&^os.O_CREATE, perm)
		return f, false, err
	}
	return f, err == nil, err
}
