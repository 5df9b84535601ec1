//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package boltstore

import (
	"os"
	"time"
)

// lockFile does nothing where the lock bbolt takes is not flock's: the
// file is checked before bbolt takes it, and bbolt waits for it.
func lockFile(*os.File, time.Duration) error { return nil }
