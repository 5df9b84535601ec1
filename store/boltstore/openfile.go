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

// fileOpener opens the store's file for bbolt (bolt.Options.OpenFile) and,
// holding its lock, checks it before bbolt reads it (see checkFile).
type fileOpener struct {
	timeout time.Duration
}

func (o *fileOpener) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	if err := o.prepare(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
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
