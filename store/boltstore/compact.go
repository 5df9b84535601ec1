package boltstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/herald-go/herald"
	bolt "go.etcd.io/bbolt"
)

// compactTxSize is how many bytes Compact copies in one transaction.
const compactTxSize = 64 << 20

// Compact rewrites the store file at path with only what it holds now,
// the application's own buckets too, into a new file that then takes the
// old one's place. bbolt reuses the pages a write frees but never clears
// them, so deleted bytes (a user key that DeleteUserKey removed, an
// overwritten snapshot) stay in the file until their page is written
// again; after Compact they are gone from it. The file must not be open:
// a store of this process holding it is an error matching [ErrLocked], and
// another process's lock is waited for as [Open] waits ([WithOpenTimeout]).
// Compact takes Open's options; those that do not concern opening the
// file are ignored. A file that does not exist is an error matching
// herald.ErrInvalid. When Compact fails the file is left as it was.
func Compact(ctx context.Context, path string, options ...Option) (err error) {
	if ctx == nil {
		return errorf("compact: %w", errNilContext)
	}
	if err := ctx.Err(); err != nil {
		return errorf("compact %s: %w", path, err)
	}
	o, err := newConfig(options, "compact")
	if err != nil {
		return err
	}
	o.createIfEmpty = false
	if _, err := os.Stat(path); err != nil {
		return errorf("compact: %w: %w", err, herald.ErrInvalid)
	}
	src, release, err := openDB(path, o)
	if err != nil {
		return errorf("compact: %w", err)
	}
	defer release()
	defer src.Close()
	tmp, err := compactInto(ctx, src, path)
	if err != nil {
		return errorf("compact %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return errorf("compact %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return errorf("compact %s: the new file is in place, its directory not synced: %w", path, err)
	}
	return nil
}

// compactInto copies src into a new file beside path, synced, and returns
// its name. On an error it removes the new file.
func compactInto(ctx context.Context, src *bolt.DB, path string) (name string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".compact-*")
	if err != nil {
		return "", err
	}
	name = f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(name, fi.Mode().Perm()); err != nil {
		return "", err
	}
	dst, err := bolt.Open(name, fi.Mode().Perm(), &bolt.Options{
		PageSize: src.Info().PageSize, FreelistType: bolt.FreelistMapType, NoFreelistSync: true,
	})
	if err != nil {
		return "", err
	}
	defer recoverCorrupt(&err)
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		_ = dst.Close()
		return "", err
	}
	if err := dst.Close(); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return name, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
