package boltstore

import (
	"errors"

	"github.com/herald-go/herald/internal/prefix"
)

var (
	// ErrNotStore is returned by Open when the file is not a herald store:
	// not a bbolt file at all, an empty file ([WithCreateIfEmpty]), or a
	// bbolt file of another application. It matches herald.ErrInvalid too.
	ErrNotStore = errors.New("not a herald store")
	// ErrNewerFormat is returned by Open when the file was written in a
	// format newer than this library knows. It matches herald.ErrInvalid
	// too.
	ErrNewerFormat = errors.New("file format is newer than this library")
	// ErrCorrupt is matched by errors about bytes in the file that do not
	// decode: a damaged format marker, index or event ([DecodeError]),
	// or, from [Open], a damaged or truncated bbolt file.
	ErrCorrupt = errors.New("file is corrupt")
	// ErrLocked is returned by Open at once when a store of this process
	// has the file open, and when another process holds the file and does
	// not let go of it within the open timeout ([WithOpenTimeout]).
	ErrLocked = errors.New("file is in use")
)

// errorf returns the error of the package: "boltstore: " and then
// fmt.Errorf(format, args...), an error argument of another package of
// the module given without its prefix.
func errorf(format string, args ...any) error { return prefix.Errorf("boltstore", format, args...) }
