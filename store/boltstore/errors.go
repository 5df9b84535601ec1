package boltstore

import "errors"

var (
	// ErrNotStore is returned by Open when the file is not a herald store:
	// not a bbolt file at all, an empty file ([WithCreateIfEmpty]), or a
	// bbolt file of another application. It matches herald.ErrInvalid too.
	ErrNotStore = errors.New("boltstore: not a herald store")
	// ErrNewerFormat is returned by Open when the file was written in a
	// format newer than this library knows. It matches herald.ErrInvalid
	// too.
	ErrNewerFormat = errors.New("boltstore: file format is newer than this library")
	// ErrCorrupt is matched by errors about bytes in the file that do not
	// decode: a damaged format marker, index or event ([DecodeError]),
	// or, from [Open], a damaged or truncated bbolt file.
	ErrCorrupt = errors.New("boltstore: file is corrupt")
	// ErrLocked is returned by Open at once when a store of this process
	// has the file open, and when another process holds the file and does
	// not let go of it within the open timeout ([WithOpenTimeout]).
	ErrLocked = errors.New("boltstore: file is in use")
)
