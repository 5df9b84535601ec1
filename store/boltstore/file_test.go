package boltstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// Tests of the file: its format marker, the files Open refuses, reopening.

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	ref := storetest.NewRef("communication", "message")
	stored := storetest.Append(t, s, fullEvent(ref), storetest.NewEvent(ref, "liked", nil))
	require.NoError(t, s.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: ref, Revision: 2, State: []byte("two")}))
	require.NoError(t, s.SaveCheckpoint(t.Context(), "projection", 2))
	require.NoError(t, s.Close())

	s, err = boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	storetest.AssertEventsEqual(t, stored, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
	storetest.AssertEventsEqual(t, stored, storetest.ReadAll(t, s.ReadStream(t.Context(), ref, 0, 0)))
	snap, err := s.LoadSnapshot(t.Context(), ref)
	require.NoError(t, err)
	assert.Equal(t, "two", string(snap.State))
	pos, err := s.LoadCheckpoint(t.Context(), "projection")
	require.NoError(t, err)
	assert.Equal(t, uint64(2), pos)

	again := storetest.Append(t, s, storetest.NewEvent(ref, "liked", nil))
	assert.Equal(t, uint64(3), again[0].Metadata.Position)
	assert.Equal(t, uint64(3), again[0].Metadata.Revision)
	dup := stored[0]
	dup.Metadata.Position, dup.Metadata.Revision = 0, 0
	batch := []herald.Event{dup}
	require.NoError(t, s.Append(t.Context(), batch), "ids are unique across reopening")
	assert.Equal(t, uint64(1), batch[0].Metadata.Position)
}

// fullEvent returns an event of ref that uses every envelope field.
func fullEvent(ref herald.AggregateRef) herald.Event {
	e := storetest.NewEvent(ref, "sent", map[string]any{"text": "hey", "to": []any{"jane"}})
	e.User = &herald.User{ID: "jane.doe@example.com"}
	e.Metadata.Labels = map[string]string{"program": "support", "tier": "gold"}
	e.Metadata.Authorization = &herald.Authorization{Owner: "jane.doe@example.com", ForAuthenticated: true}
	e.Metadata.Timestamp = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	return e
}

func TestNewFileHasFormatMarker(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte("herald"))
		require.NotNil(t, root, "the store's bucket")
		assert.Equal(t, "herald-events\x00\x01", string(root.Bucket([]byte("meta")).Get([]byte("format"))))
		return nil
	}))
}

// withFile returns the path of a store file changed by change, made with
// bbolt directly.
func withFile(t *testing.T, change func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(change))
	require.NoError(t, db.Close())
	return path
}

func meta(tx *bolt.Tx) *bolt.Bucket {
	return tx.Bucket([]byte("herald")).Bucket([]byte("meta"))
}

func TestOpenRefusesFiles(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
		want error
	}{
		{"text file", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "notes.txt")
			require.NoError(t, os.WriteFile(path, []byte("these are not events\n"), 0o600))
			return path
		}, boltstore.ErrNotStore},
		{"random bytes", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "noise.db")
			noise := make([]byte, 64<<10)
			for i := range noise {
				noise[i] = byte(i*7 + i/13)
			}
			require.NoError(t, os.WriteFile(path, noise, 0o600))
			return path
		}, boltstore.ErrNotStore},
		{"bbolt file of another application", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "other.db")
			db, err := bolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("accounts"))
				return err
			}))
			require.NoError(t, db.Close())
			return path
		}, boltstore.ErrNotStore},
		{"newer format", func(t *testing.T) string {
			return withFile(t, func(tx *bolt.Tx) error {
				return meta(tx).Put([]byte("format"), []byte("herald-events\x00\x02"))
			})
		}, boltstore.ErrNewerFormat},
		{"damaged format marker", func(t *testing.T) string {
			return withFile(t, func(tx *bolt.Tx) error {
				return meta(tx).Put([]byte("format"), []byte("garbage"))
			})
		}, boltstore.ErrCorrupt},
		{"missing format marker", func(t *testing.T) string {
			return withFile(t, func(tx *bolt.Tx) error { return meta(tx).Delete([]byte("format")) })
		}, boltstore.ErrCorrupt},
		{"missing bucket", func(t *testing.T) string {
			return withFile(t, func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("herald")).DeleteBucket([]byte("streams"))
			})
		}, boltstore.ErrCorrupt},
		{"damaged meta pages", func(t *testing.T) string {
			path := withFile(t, func(*bolt.Tx) error { return nil })
			db, err := bolt.Open(path, 0o600, nil)
			require.NoError(t, err)
			pageSize := db.Info().PageSize
			require.NoError(t, db.Close())
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			require.NoError(t, err)
			page := make([]byte, pageSize)
			for _, off := range []int64{0, int64(pageSize)} {
				_, err = f.ReadAt(page, off)
				require.NoError(t, err)
				for i := 32; i < 64; i++ {
					page[i] ^= 0xff
				}
				_, err = f.WriteAt(page, off)
				require.NoError(t, err)
			}
			require.NoError(t, f.Close())
			return path
		}, herald.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			s, err := boltstore.Open(path, boltstore.WithOpenTimeout(time.Second))
			if err == nil {
				s.Close()
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), path, "the error names the file")
		})
	}
}

func TestOpenLockedFileTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	holder, err := bolt.Open(path, 0o600, nil) // bbolt's flock, as another process would hold it
	require.NoError(t, err)
	defer holder.Close()
	_, err = boltstore.Open(path, boltstore.WithOpenTimeout(50*time.Millisecond))
	require.Error(t, err)
	assert.ErrorIs(t, err, boltstore.ErrLocked)
	assert.Contains(t, err.Error(), path)
}

func TestInvalidOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	for name, opt := range map[string]boltstore.Option{
		"WithOpenTimeout":  boltstore.WithOpenTimeout(0),
		"WithMaxEventSize": boltstore.WithMaxEventSize(10),
	} {
		_, err := boltstore.Open(path, opt)
		assert.ErrorIs(t, err, herald.ErrInvalid, name)
		assert.ErrorContains(t, err, name, "the error names the option")
	}
	_, err := boltstore.New(nil)
	assert.ErrorIs(t, err, herald.ErrInvalid)
}

func TestNewSharesTheApplicationsFile(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("accounts"))
		if err != nil {
			return err
		}
		return b.Put([]byte("jane"), []byte("42"))
	}))
	s, err := boltstore.New(db)
	require.NoError(t, err)
	storetest.Append(t, s, storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", nil))
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Append(t.Context(), nil), herald.ErrClosed)
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		assert.Equal(t, "42", string(tx.Bucket([]byte("accounts")).Get([]byte("jane"))), "the application's bucket")
		return nil
	}), "Close leaves a database it was given open")

	again, err := boltstore.New(db)
	require.NoError(t, err)
	defer again.Close()
	st, err := again.Stats(context.Background())
	require.NoError(t, err)
	assert.Equal(t, uint64(1), st.Events)
}

// threeEventFile writes a store file holding three events of one
// aggregate, closes it, and returns its path and the aggregate.
func threeEventFile(t *testing.T) (string, herald.AggregateRef) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	ref := storetest.NewRef("ctx", "agg")
	storetest.Append(t, s, storetest.NewEvent(ref, "x", 1), storetest.NewEvent(ref, "x", 2), storetest.NewEvent(ref, "x", 3))
	require.NoError(t, s.Close())
	return path, ref
}

// changeEvents runs change on the events bucket of the closed store file
// at path, through bbolt, as damage from outside the store would.
func changeEvents(t *testing.T, path string, change func(events *bolt.Bucket) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		return change(tx.Bucket([]byte("herald")).Bucket([]byte("events")))
	}))
	require.NoError(t, db.Close())
}

func TestCorruptEventNamesItsPosition(t *testing.T) {
	path, ref := threeEventFile(t)
	changeEvents(t, path, func(events *bolt.Bucket) error {
		v := append([]byte(nil), events.Get([]byte{0, 0, 0, 0, 0, 0, 0, 2})...)
		// The context's length, far beyond the value: it follows the fixed
		// part (54 bytes) and the causation id (the nil uuid, not the
		// event's own id).
		v[70] = 200
		// With the checksum of the changed bytes: the envelope is wrong
		// as written, not damaged since.
		v = envelope(2, v[:len(v)-4])
		return events.Put([]byte{0, 0, 0, 0, 0, 0, 0, 2}, v)
	})

	s, err := boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	for name, seq := range map[string]func() (int, error){
		"ReadLog":    func() (int, error) { return count(s.ReadLog(t.Context(), 0)) },
		"ReadStream": func() (int, error) { return count(s.ReadStream(t.Context(), ref, 0, 0)) },
	} {
		_, err := seq()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, boltstore.ErrCorrupt, name)
		var de *boltstore.DecodeError
		require.ErrorAs(t, err, &de, name)
		assert.Equal(t, uint64(2), de.Position, name)
		assert.Equal(t, "context.name", de.Field, name)
		assert.Contains(t, err.Error(), "position 2", name)
	}
	_, err = s.Query(t.Context(), herald.Query{})
	assert.ErrorIs(t, err, boltstore.ErrCorrupt, "Query")
}

func TestMissingEventsAreCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		change func(events *bolt.Bucket) error
		read   func(s *boltstore.Store, ref herald.AggregateRef) (int, error)
		want   string
	}{
		{"position gone from the log", func(events *bolt.Bucket) error {
			return events.Delete([]byte{0, 0, 0, 0, 0, 0, 0, 2})
		}, func(s *boltstore.Store, _ herald.AggregateRef) (int, error) {
			return count(s.ReadLog(t.Context(), 0))
		}, "position 2 is missing"},
		{"revision gone from a stream", func(events *bolt.Bucket) error {
			// The event at position 2 written anew as revision 5, with a
			// checksum that holds.
			k := []byte{0, 0, 0, 0, 0, 0, 0, 2}
			e, err := boltstore.DecodeEvent(2, events.Get(k))
			if err != nil {
				return err
			}
			e.Metadata.Revision = 5
			v, err := boltstore.EncodeEvent(nil, &e)
			if err != nil {
				return err
			}
			return events.Put(k, v)
		}, func(s *boltstore.Store, ref herald.AggregateRef) (int, error) {
			return count(s.ReadStream(t.Context(), ref, 0, 0))
		}, "2 of revisions 1 to 3 are missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, ref := threeEventFile(t)
			changeEvents(t, path, tt.change)

			s, err := boltstore.Open(path)
			require.NoError(t, err)
			defer s.Close()
			_, err = tt.read(s, ref)
			require.Error(t, err)
			assert.ErrorIs(t, err, boltstore.ErrCorrupt)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// count counts what seq yields until its first error.
func count(seq func(func(herald.Event, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func TestOpenRefusesEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	_, err := boltstore.Open(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, boltstore.ErrNotStore)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), "the file is empty")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, fi.Size(), "the file is left as it was")

	s, err := boltstore.Open(path, boltstore.WithCreateIfEmpty())
	require.NoError(t, err, "a store in the empty file when asked")
	stored := storetest.Append(t, s, storetest.NewEvent(storetest.NewRef("ctx", "agg"), "x", nil))
	require.NoError(t, s.Close())
	s, err = boltstore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	storetest.AssertEventsEqual(t, stored, storetest.ReadAll(t, s.ReadLog(t.Context(), 0)))
}

func TestOpenSameFileTwice(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.db")
	s, err := boltstore.Open(path)
	require.NoError(t, err)
	symlink, hardlink := filepath.Join(dir, "symlink.db"), filepath.Join(dir, "hardlink.db")
	require.NoError(t, os.Symlink(path, symlink))
	require.NoError(t, os.Link(path, hardlink))
	for _, name := range []string{path, symlink, hardlink} {
		// Without the check it waits for the timeout, then blames another
		// process.
		_, err := boltstore.Open(name, boltstore.WithOpenTimeout(time.Minute))
		require.Error(t, err, name)
		assert.ErrorIs(t, err, boltstore.ErrLocked, name)
		assert.NotErrorIs(t, err, herald.ErrInvalid, name)
		assert.Contains(t, err.Error(), "already open in this process", name)
		assert.Contains(t, err.Error(), name)
	}
	require.NoError(t, s.Close())
	s, err = boltstore.Open(symlink)
	require.NoError(t, err, "the file is free again once closed")
	require.NoError(t, s.Close())
}

func TestOpenSameNewFileConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	stores := make(chan *boltstore.Store, 2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			s, err := boltstore.Open(path, boltstore.WithOpenTimeout(time.Minute))
			if err != nil {
				errs <- err
				return
			}
			stores <- s
		}()
	}
	s := <-stores
	defer s.Close()
	err := <-errs
	assert.ErrorIs(t, err, boltstore.ErrLocked)
	assert.Contains(t, err.Error(), "already open in this process")
}

func TestOpenNamesTheDamage(t *testing.T) {
	pristine, err := os.ReadFile(damageFileOfOpen(t))
	require.NoError(t, err)
	tests := []struct {
		name   string
		damage func(t *testing.T, l fileLayout, b []byte) []byte
		want   string
	}{
		{"cut between pages in use", func(t *testing.T, l fileLayout, b []byte) []byte {
			return b[:l.inUse/2/int64(l.pageSize)*int64(l.pageSize)]
		}, "but its meta page says it holds"},
		{"cut in the first page", func(t *testing.T, l fileLayout, b []byte) []byte {
			return b[:100]
		}, "file is 100 bytes, shorter than its two meta pages of 8192 bytes"},
		{"cut in the first meta", func(t *testing.T, l fileLayout, b []byte) []byte {
			return b[:40]
		}, "file is 40 bytes, shorter than a meta page"},
		{"page with another id", func(t *testing.T, l fileLayout, b []byte) []byte {
			b[l.pageOffset(l.pages["leaf"][0])] ^= 0x01
			return b
		}, "says it is page"},
		{"leaf page marked a freelist page", func(t *testing.T, l fileLayout, b []byte) []byte {
			b[l.pageOffset(l.pages["leaf"][0])+8] = 0x10
			return b
		}, "is a freelist page, not a branch or leaf page"},
		{"branch with too many elements", func(t *testing.T, l fileLayout, b []byte) []byte {
			b[l.pageOffset(l.pages["branch"][0])+11] = 0x7f
			return b
		}, "elements, more than its 8192 bytes do"},
		{"both meta pages", func(t *testing.T, l fileLayout, b []byte) []byte {
			b[40] ^= 0x01
			b[l.pageSize+40] ^= 0x01
			return b
		}, "no meta page is whole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.db")
			require.NoError(t, os.WriteFile(path, pristine, 0o600))
			l := layoutOf(t, path)
			require.NoError(t, os.WriteFile(path, tt.damage(t, l, bytes.Clone(pristine)), 0o600))
			_, err := boltstore.Open(path)
			require.Error(t, err)
			assert.ErrorIs(t, err, boltstore.ErrCorrupt)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), "boltstore: open "+path+": damaged file: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// FuzzOpen opens files of any bytes: Open refuses them or opens them,
// and reads return events or errors, never a crash.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 1024, NoSync: true})
	require.NoError(f, err)
	s, err := boltstore.New(db)
	require.NoError(f, err)
	ref := storetest.NewRef("ctx", "agg")
	for i := range 40 {
		require.NoError(f, s.Append(f.Context(), []herald.Event{storetest.NewEvent(ref, "x", i)}))
	}
	require.NoError(f, s.Close())
	require.NoError(f, db.Close())
	seed, err := os.ReadFile(path)
	require.NoError(f, err)
	f.Add(seed)
	for _, n := range []int{0, 40, 1024, 2048, len(seed) / 2} {
		f.Add(seed[:n])
	}
	for _, off := range []int{16, 2048, 3072 + 8, 4096 + 20, len(seed) - 1024 + 16} {
		flipped := bytes.Clone(seed)
		flipped[off] ^= 0x01
		f.Add(flipped)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.db")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		s, err := boltstore.Open(path)
		if err != nil {
			return
		}
		defer s.Close()
		_, _ = count(s.ReadLog(t.Context(), 0))
		_, _ = count(s.ReadStream(t.Context(), ref, 0, 0))
		_, _ = s.Stats(t.Context())
	})
}
