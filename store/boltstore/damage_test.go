package boltstore_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/storetest"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// The damage test: a store file is damaged in many ways, cut at many
// lengths or a byte of one of its pages flipped, and a child process (this
// test binary, run again) opens and reads each damaged copy. Open must
// refuse it with an error about its contents, or open it, and then every
// read returns the events written or an error. A crash of the child fails
// the case it was at, and a new child goes on with the next case.

const (
	damageFileEnv = "BOLTSTORE_DAMAGE_FILE" // the file to damage
	damageFromEnv = "BOLTSTORE_DAMAGE_FROM" // the first case to run
)

// damage is a way to damage the file: cut it at cut bytes, or flip the
// bits of mask in the byte at offset.
type damage struct {
	name   string
	cut    int64 // -1 when the damage is a flip
	offset int64
	mask   byte
	expect expectation
}

type expectation int

const (
	// refuseOrRead: Open refuses the file, or every read returns the
	// events written or an error.
	refuseOrRead expectation = iota
	// refuse: Open refuses the file.
	refuse
	// read: Open opens the file and every read returns the events written.
	read
	// noCrash: the flip is in a leaf's elements, keys or values. Event
	// values carry a checksum that reads check, but keys and the values
	// of the other buckets (streams, counts, checkpoints) do not: a read
	// may return other bytes than were written, but the child must not
	// crash.
	noCrash
)

func TestDamagedFiles(t *testing.T) {
	if os.Getenv(damageFileEnv) != "" {
		t.Skip("in the child")
	}
	files := []struct {
		name  string
		make  func(t *testing.T) string
		depth int // of the deepest tree
	}{
		{"pages of 1 KiB with a freelist", damageFileWithPages, 3},
		{"a file of Open", damageFileOfOpen, 2},
	}
	for _, file := range files {
		t.Run(file.name, func(t *testing.T) {
			path := file.make(t)
			l := layoutOf(t, path)
			require.GreaterOrEqual(t, l.deepestTree, file.depth, "the file's trees are deep enough")
			t.Logf("%d bytes, %d in pages in use, trees up to %d levels deep", l.size, l.inUse, l.deepestTree)
			cases := damages(t, path)
			outcomes := runDamageChildren(t, path, cases)
			checkOutcomes(t, cases, outcomes)
		})
	}
}

// damageFileWithPages writes a store in a file of 1 KiB pages, made with
// bbolt and a freelist, so that its trees are several levels deep.
func damageFileWithPages(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "events.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 1024, NoSync: true})
	require.NoError(t, err)
	s, err := boltstore.New(db)
	require.NoError(t, err)
	fillDamageStore(t, s, 300, 1500)
	require.NoError(t, s.Close())
	require.NoError(t, db.Close())
	return path
}

// damageFileOfOpen writes a store in a file Open creates.
func damageFileOfOpen(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := boltstore.Open(path, boltstore.WithNoSync())
	require.NoError(t, err)
	fillDamageStore(t, s, 200, 800)
	require.NoError(t, s.Close())
	return path
}

// fillDamageStore appends n events of aggregates aggregates in batches of
// 20, a snapshot, and then a checkpoint: the last commit, so that the
// older meta page, which bbolt falls back to when the newer one is
// damaged, has every event too. Ids and timestamps are made from counts,
// so that every run writes the same events (bbolt may place them in other
// pages).
func fillDamageStore(t *testing.T, s *boltstore.Store, aggregates, n int) {
	id := func(kind string, i int) uuid.UUID {
		return uuid.NewSHA1(crashSpace, fmt.Appendf(nil, "%s/%d", kind, i))
	}
	refs := make([]herald.AggregateRef, aggregates)
	for i := range refs {
		refs[i] = herald.AggregateRef{Context: "damage", Name: "account", ID: id("aggregate", i)}
	}
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := 0; i < n; i += 20 {
		batch := make([]herald.Event, 20)
		for j := range batch {
			e := storetest.NewEvent(refs[(i+j*7)%aggregates], "credited", map[string]any{"n": i + j, "note": "x"})
			e.ID, e.Metadata.Timestamp = id("event", i+j), start.Add(time.Duration(i+j)*time.Millisecond)
			batch[j] = e
		}
		storetest.Append(t, s, batch...)
	}
	require.NoError(t, s.SaveSnapshot(t.Context(), herald.Snapshot{Aggregate: refs[0], Revision: 1, State: []byte("{}")}))
	require.NoError(t, s.SaveCheckpoint(t.Context(), "damage", uint64(n)))
}

// fileLayout is what the damage cases are made from: the page size, the
// bytes of the pages in use, the file's size, the pages of each type and
// the depth of the deepest tree.
type fileLayout struct {
	pageSize    int
	inUse, size int64
	pages       map[string][]*pageInfo // by type
	deepestTree int
}

// pageOffset returns where page p starts in the file.
func (l fileLayout) pageOffset(p *pageInfo) int { return p.ID * l.pageSize }

// pageInfo is what bbolt's Tx.Page tells of a page.
type pageInfo struct {
	ID, Count, OverflowCount int
	Type                     string
}

func layoutOf(t testing.TB, path string) fileLayout {
	fi, err := os.Stat(path)
	require.NoError(t, err)
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	require.NoError(t, err)
	defer db.Close()
	l := fileLayout{pageSize: db.Info().PageSize, size: fi.Size(), pages: make(map[string][]*pageInfo)}
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		l.inUse = tx.Size()
		for id := 0; int64(id)*int64(l.pageSize) < l.inUse; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			l.pages[p.Type] = append(l.pages[p.Type], &pageInfo{p.ID, p.Count, p.OverflowCount, p.Type})
			id += p.OverflowCount
		}
		return tx.Bucket([]byte("herald")).ForEachBucket(func(k []byte) error {
			l.deepestTree = max(l.deepestTree, tx.Bucket([]byte("herald")).Bucket(k).Stats().Depth)
			return nil
		})
	}))
	return l
}

// damages returns the damage cases of the file at path: flips first, then
// cuts from the longest to the shortest, so that the child cuts its copy
// further case after case.
func damages(t testing.TB, path string) []damage {
	l := layoutOf(t, path)
	var ds []damage
	for _, p := range l.pages["meta"] {
		ds = append(ds, metaFlips(l, p)...)
	}
	perType := 6
	if testing.Short() {
		perType = 2
	}
	for _, typ := range []string{"freelist", "branch", "leaf", "free"} {
		for _, p := range spread(l.pages[typ], perType) {
			ds = append(ds, pageFlips(l, typ, p)...)
		}
	}
	return append(ds, cuts(l)...)
}

// spread returns up to n of pages, spread over them.
func spread(pages []*pageInfo, n int) []*pageInfo {
	if len(pages) <= n {
		return pages
	}
	out := make([]*pageInfo, n)
	for i := range out {
		out[i] = pages[i*(len(pages)-1)/(n-1)]
	}
	return out
}

var masks = []byte{0x01, 0xff, 0x80, 0x10}

func flip(name string, offset int64, i int, expect expectation) damage {
	mask := masks[i%len(masks)]
	return damage{name: fmt.Sprintf("%s, mask %#02x", name, mask), cut: -1, offset: offset, mask: mask, expect: expect}
}

// metaFlips flips the bytes of a meta page's header and meta.
func metaFlips(l fileLayout, p *pageInfo) []damage {
	var ds []damage
	start := int64(p.ID) * int64(l.pageSize)
	for off := int64(0); off < 80; off += 3 {
		ds = append(ds, flip(fmt.Sprintf("meta page %d, byte %d", p.ID, off), start+off, len(ds), refuseOrRead))
	}
	return ds
}

// pageFlips flips bytes of a page's header, of some of its elements, and
// of what follows them.
func pageFlips(l fileLayout, typ string, p *pageInfo) []damage {
	start := int64(p.ID) * int64(l.pageSize)
	offsets := []int64{0, 1, 7, 8, 9, 10, 11, 12, 13, 15}
	for _, e := range []int{0, 1, p.Count / 2, p.Count - 1} {
		if e < 0 || e >= p.Count {
			continue
		}
		for _, b := range []int64{0, 1, 3, 4, 5, 8, 9, 12, 15} {
			offsets = append(offsets, 16+int64(e)*16+b)
		}
	}
	elements := 16 + int64(p.Count)*16
	offsets = append(offsets, elements, elements+1, int64(l.pageSize)/2, int64(l.pageSize)-1)
	var ds []damage
	seen := make(map[int64]bool)
	for _, off := range offsets {
		if seen[off] || off >= int64(l.pageSize)*int64(p.OverflowCount+1) {
			continue
		}
		seen[off] = true
		expect := refuseOrRead
		if typ == "leaf" && off >= 16 {
			expect = noCrash
		}
		ds = append(ds, flip(fmt.Sprintf("%s page %d, byte %d", typ, p.ID, off), start+off, len(ds), expect))
	}
	return ds
}

// cuts cuts the file at every page boundary of the pages in use (every
// eighth with -short) and some lengths in between, from the longest to the
// shortest.
func cuts(l fileLayout) []damage {
	ps := int64(l.pageSize)
	lengths := map[int64]bool{l.size - 1: true, l.inUse + ps: true, l.inUse + 1: true}
	for n := l.inUse; n >= 0; n -= ps {
		if !testing.Short() || n/ps%8 == 0 {
			lengths[n] = true
		}
		if n/ps%7 == 3 {
			lengths[n+ps/2] = true
		}
	}
	for _, n := range []int64{1, 8, 15, 16, 20, 24, 40, 79, 80, 81, 512, ps - 1, ps + 1, 2*ps - 1, 4095, 4097} {
		lengths[n] = true
	}
	ns := slices.Sorted(maps.Keys(lengths))
	slices.Reverse(ns)
	var ds []damage
	for _, n := range ns {
		if n >= l.size {
			continue
		}
		expect := refuse
		if n >= l.inUse {
			expect = read
		}
		ds = append(ds, damage{name: fmt.Sprintf("cut at %d bytes", n), cut: n, expect: expect})
	}
	return ds
}
