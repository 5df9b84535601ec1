package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/registry"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Store is a [herald.Store] in a bbolt file; it is also a
// [driver.SnapshotStore], a [driver.CheckpointStore], a
// [driver.DeadLetterStore], a [driver.Outbox] and a [driver.TxStore]. Build
// one with [Open] or [New]; it is safe for concurrent use. Its committer
// goroutine runs until [Store.Close]. A read's loop body may append to the
// store. Events read back share their labels, users, authorizations and
// data with other events read in the same iteration: none may be changed.
type Store struct {
	db      *bolt.DB
	owned   bool   // Close closes db
	release func() // Close forgets the file in openFiles, with Open
	opts    config
	// Holder holds the registry that decodes the data of reads:
	// WithRegistry's, or one a publisher gave the store (UseRegistry).
	registry.Holder

	mu          sync.Mutex
	queue       []*request
	marks       []posRange // delivered, not yet written
	marksFailed bool
	closed      atomic.Bool // set under mu

	wake     chan struct{}
	stopping chan struct{}
	stopped  chan struct{}

	ids idIndex
	w   writer // the committer's
}

var (
	_ herald.Store           = (*Store)(nil)
	_ driver.SnapshotStore   = (*Store)(nil)
	_ driver.CheckpointStore = (*Store)(nil)
	_ driver.Outbox          = (*Store)(nil)
	_ driver.TxStore         = (*Store)(nil)
)

// Open opens the store in the bbolt file at path, creating the file with
// the store's format marker when it does not exist; an empty file is an
// error matching ErrNotStore, unless WithCreateIfEmpty. Before bbolt reads
// the file, Open checks it, reading the pages of its tree once: a file
// that is not a bbolt file, or a bbolt file of another application (one
// with buckets but no herald store), is an error matching ErrNotStore; a
// store of a newer format, ErrNewerFormat; a damaged or truncated one,
// ErrCorrupt, naming the damage. A file that a store of this process has
// open is an error matching ErrLocked at once, and one that another
// process holds once the open timeout passed ([WithOpenTimeout]). All
// of them match [herald.ErrInvalid] too, except ErrLocked. An empty path is
// an error matching herald.ErrInvalid. Checking reads the whole file once.
// Close the store to close the file.
func Open(path string, options ...Option) (*Store, error) {
	if path == "" {
		return nil, errorf("open: the path is empty: %w", herald.ErrInvalid)
	}
	o, err := newConfig(options, "open "+path)
	if err != nil {
		return nil, err
	}
	db, release, err := openDB(path, o)
	if err != nil {
		return nil, err
	}
	s, err := newStore(db, o, true)
	if err != nil {
		_ = db.Close()
		release()
		return nil, errorf("open %s: %w", path, err)
	}
	s.release = release
	return s, nil
}

// initialMmapSize is the address space the file is mapped with at first:
// without it bbolt maps the file anew each time it doubles, and a write
// waits for every read under way when it does. 64-bit systems have the
// room to spare; it is not memory.
const initialMmapSize = (1 << 30) * (strconv.IntSize / 64)

// pageSize is the page size of the files Open creates, unless the
// system's memory pages are larger; a file keeps the one it was created
// with. Twice the usual 4 KiB: an append writes half as many pages, each in
// one system call, and sixteen events of about 500 bytes with their keys
// fill a page where eight left an eighth of it empty; a commit of one event
// writes a few pages either way.
const pageSize = 8192

// openDB opens the bbolt file through a fileOpener, and returns the
// function that forgets the file in openFiles once it is closed. A panic
// of bbolt, which the file's check should leave none of, is an error.
func openDB(path string, o config) (db *bolt.DB, release func(), err error) {
	opener := &fileOpener{timeout: o.openTimeout, createEmpty: o.createIfEmpty}
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("bbolt panicked: %v: %w", r, ErrCorrupt)
		}
		if err != nil {
			opener.done()
			db, err = nil, openError(path, o, err)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         o.openTimeout,
		NoSync:          o.noSync,
		FreelistType:    bolt.FreelistMapType,
		PageSize:        max(pageSize, os.Getpagesize()),
		NoFreelistSync:  true,
		InitialMmapSize: initialMmapSize,
		OpenFile:        opener.open,
	})
	return db, opener.done, err
}

// openError returns err, an error of bolt.Open or of the fileOpener, for
// the caller: the file's name first, herald.ErrInvalid added to the errors
// about its contents.
func openError(path string, o config, err error) error {
	switch {
	case errors.Is(err, ErrLocked): // as it is
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrNotStore):
		err = fmt.Errorf("%w: %w", err, herald.ErrInvalid)
	case errors.Is(err, berrors.ErrTimeout):
		err = fmt.Errorf("another process holds the file: waited %s: %w", o.openTimeout, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch):
		err = fmt.Errorf("%v: %w: %w", err, ErrNotStore, herald.ErrInvalid)
	case errors.Is(err, berrors.ErrChecksum):
		err = fmt.Errorf("%v: %w: %w", err, ErrCorrupt, herald.ErrInvalid)
	}
	return errorf("open %s: %w", path, err)
}

// New returns a store in db, an open bbolt database that the application
// may keep its own buckets in; the store keeps everything in a bucket
// named "herald", which it creates when db has none. Close stops the
// store but leaves db open. The errors about db's contents are those of
// Open, which New cannot check as Open does before bbolt maps the file:
// db has it mapped already.
//
// Only one Store may use a database at a time.
func New(db *bolt.DB, options ...Option) (*Store, error) {
	if db == nil {
		return nil, errorf("new: database is nil: %w", herald.ErrInvalid)
	}
	o, err := newConfig(options, "new")
	if err != nil {
		return nil, err
	}
	s, err := newStore(db, o, false)
	if err != nil {
		return nil, errorf("new: %w", err)
	}
	return s, nil
}

func newStore(db *bolt.DB, o config, owned bool) (*Store, error) {
	if err := prepareFile(db, !owned); err != nil {
		return nil, err
	}
	s := &Store{
		db: db, owned: owned, opts: o,
		wake:     make(chan struct{}, 1),
		stopping: make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	s.UseRegistry(o.registry)
	go s.commitLoop()
	return s, nil
}

// prepareFile checks the store's format marker in db, or creates the
// store's buckets when db has none. A database with buckets of its own
// and no store is taken only when shared is true.
func prepareFile(db *bolt.DB, shared bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bbolt panicked reading the file: %v: %w: %w", r, ErrCorrupt, herald.ErrInvalid)
		}
	}()
	var exists bool
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		exists, err = checkFormat(tx, shared)
		return err
	})
	if err != nil || exists {
		return err
	}
	return db.Update(func(tx *bolt.Tx) error {
		if exists, err := checkFormat(tx, shared); err != nil || exists {
			return err
		}
		root, err := tx.CreateBucket(rootBucket)
		if err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := root.CreateBucket(name); err != nil {
				return err
			}
		}
		marker := append(bytes.Clone(formatMagic), formatV1)
		return root.Bucket(metaBucket).Put(formatKey, marker)
	})
}

// checkFormat reports whether tx holds a store of a format this library
// reads.
func checkFormat(tx *bolt.Tx, shared bool) (bool, error) {
	root := tx.Bucket(rootBucket)
	if root == nil {
		if !shared {
			var foreign []byte
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				foreign = name
				return errors.New("stop")
			})
			if foreign != nil {
				return false, fmt.Errorf("bbolt file has bucket %q but no %q bucket: %w: %w",
					foreign, rootBucket, ErrNotStore, herald.ErrInvalid)
			}
		}
		return false, nil
	}
	meta := root.Bucket(metaBucket)
	if meta == nil {
		return false, fmt.Errorf("the %q bucket has no format marker: %w: %w", rootBucket, ErrCorrupt, herald.ErrInvalid)
	}
	marker := meta.Get(formatKey)
	if len(marker) != formatLength || !bytes.HasPrefix(marker, formatMagic) {
		return false, fmt.Errorf("format marker %q is not a herald store's: %w: %w", marker, ErrCorrupt, herald.ErrInvalid)
	}
	switch v := marker[len(marker)-1]; {
	case v > formatV1:
		return false, fmt.Errorf("format %d, this library reads %d: %w: %w", v, formatV1, ErrNewerFormat, herald.ErrInvalid)
	case v < formatV1:
		return false, fmt.Errorf("format %d is unknown: %w: %w", v, ErrCorrupt, herald.ErrInvalid)
	}
	if _, err := openBuckets(tx); err != nil {
		return false, fmt.Errorf("%w: %w", err, herald.ErrInvalid)
	}
	return true, nil
}

// DB returns the bbolt database the store is in, for the application's
// own buckets and transactions ([Store.AppendTx]).
func (s *Store) DB() *bolt.DB { return s.db }

// Close stops the store: calls after it return errors matching
// herald.ErrClosed, and reads under way stop with such an error at their
// next check. Appends already waiting are committed first, and so are the
// deliveries marked since the last commit. Close closes the file when the
// store opened it (Open), not when it was given the database (New).
// Closing a closed store does nothing and returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	s.mu.Unlock()
	close(s.stopping)
	<-s.stopped
	if s.owned {
		err := s.db.Close()
		s.release()
		if err != nil {
			return errorf("close: %w", err)
		}
	}
	return nil
}

// errNilContext is what the calls that take a context return for a nil
// one, wrapped in their own name.
var errNilContext = fmt.Errorf("the context is nil: %w", herald.ErrInvalid)

// usable returns the context's error (errNilContext for a nil one), or
// herald.ErrClosed once the store is closed.
func (s *Store) usable(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return herald.ErrClosed
	}
	return nil
}

// view runs fn in a read transaction on the store's buckets, turning a
// panic of bbolt on a damaged page into an error. When ctx carries an open
// transaction of the store's file (ContextWithTx), fn runs in it, and sees
// what the transaction wrote.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx, b buckets) error) (err error) {
	if s.closed.Load() {
		return herald.ErrClosed
	}
	defer recoverCorrupt(&err)
	if tx := s.ownTx(ctx); tx != nil {
		return dbError(inBuckets(tx, fn))
	}
	return dbError(s.db.View(func(tx *bolt.Tx) error { return inBuckets(tx, fn) }))
}
