package boltstore

import (
	"bytes"
	"fmt"
	"io"
	"math"
)

// treeCheck walks the trees of a bbolt file, the root bucket's and those
// of the buckets in it, inline ones included, reading each page once with
// ReadAt. It checks what bbolt trusts when it reads them: that each page
// is inside the file and reached once, is the page its parent points to
// and of the type it expects, that its elements, keys and values are
// inside it, and that keys are in order, within a page and within the
// range its parent gives it. In a file with a freelist, it checks that
// every page is in a tree or in the freelist, and in only one.
type treeCheck struct {
	f        io.ReaderAt
	pageSize uint64
	pages    uint64   // the file's pages, as its meta page counts them
	seen     []uint64 // a bit per page reached
	bufs     [][]byte // a page buffer per depth of the walk
}

func newTreeCheck(f io.ReaderAt, pageSize, pages uint64) *treeCheck {
	return &treeCheck{f: f, pageSize: pageSize, pages: pages, seen: make([]uint64, (pages+63)/64)}
}

// pageRef is where the walk reached a page from, for messages: element
// index of parent, or what when parent is nil.
type pageRef struct {
	parent *filePage
	index  int
	what   string
}

func (r pageRef) String() string {
	switch {
	case r.parent == nil:
		return r.what
	case r.parent.leaf():
		return fmt.Sprintf("the root of bucket %s in %s", keyText(r.parent.element(r.index).key), r.parent)
	}
	return fmt.Sprintf("child %d of branch %s", r.index, r.parent)
}

// node checks the subtree at page id, whose keys must be at least lo,
// before hi and after last (a nil bound is none), and returns its last
// key, or last when it has none.
func (c *treeCheck) node(id uint64, ref pageRef, lo, hi, last []byte, depth int) ([]byte, error) {
	p, err := c.treePage(id, ref, depth)
	if err != nil {
		return nil, err
	}
	if p.leaf() {
		return c.leaf(p, lo, hi, last, depth)
	}
	return c.branch(p, lo, hi, last, depth)
}

func (c *treeCheck) branch(p *filePage, lo, hi, last []byte, depth int) ([]byte, error) {
	n := p.count()
	if n == 0 {
		return nil, damaged("%s is a branch page without elements", p)
	}
	for i := 1; i < n; i++ {
		if bytes.Compare(p.element(i).key, p.element(i-1).key) <= 0 {
			return nil, damaged("%s: key %d (%s) does not sort after key %d (%s)",
				p, i, keyText(p.element(i).key), i-1, keyText(p.element(i-1).key))
		}
	}
	for i := range n {
		e := p.element(i)
		if err := checkOrder(p, i, e.key, lo, hi, last); err != nil {
			return nil, err
		}
		next := hi
		if i+1 < n {
			next = p.element(i + 1).key
		}
		var err error
		if last, err = c.node(e.child, pageRef{parent: p, index: i}, e.key, next, last, depth+1); err != nil {
			return nil, err
		}
	}
	return last, nil
}

func (c *treeCheck) leaf(p *filePage, lo, hi, last []byte, depth int) ([]byte, error) {
	for i := range p.count() {
		e := p.element(i)
		if err := checkOrder(p, i, e.key, lo, hi, last); err != nil {
			return nil, err
		}
		last = e.key
		if e.flags&bucketElementFlag != 0 {
			if err := c.bucket(p, i, e, depth); err != nil {
				return nil, err
			}
		}
	}
	return bytes.Clone(last), nil
}

// bucket checks the bucket in element i of leaf p: its tree, in pages of
// its own or inline in its value.
func (c *treeCheck) bucket(p *filePage, i int, e element, depth int) error {
	if len(e.value) < bucketHeaderSize {
		return damaged("%s: element %d is a bucket but its value is %d bytes, shorter than a bucket's header",
			p, i, len(e.value))
	}
	if root := native.Uint64(e.value); root != 0 {
		_, err := c.node(root, pageRef{parent: p, index: i}, nil, nil, nil, depth+1)
		return err
	}
	inline := &filePage{b: e.value[bucketHeaderSize:], id: p.id, bucket: e.key}
	if err := checkInline(inline); err != nil {
		return err
	}
	_, err := c.leaf(inline, nil, nil, nil, depth)
	return err
}

// checkInline checks the header and layout of an inline bucket's page.
func checkInline(p *filePage) error {
	size := uint64(len(p.b))
	switch {
	case size < pageHeaderSize:
		return damaged("%s is %d bytes, shorter than a page header", p, size)
	case p.flags() != leafPageFlag:
		return damaged("%s is %s, not a leaf page", p, pageKind(p.flags()))
	case arrayEnd(p.count()) > size:
		return damaged("%s says it holds %d elements, more than its %d bytes do", p, p.count(), size)
	}
	_, err := layoutEnd(p.b, p, true, p.count(), size)
	return err
}

// treePage reads the branch or leaf page id, reached from ref, into the
// buffer for depth once its header and layout are checked: its first page,
// and its overflow as far as its elements reach.
func (c *treeCheck) treePage(id uint64, ref pageRef, depth int) (*filePage, error) {
	b, span, err := c.firstPage(id, ref, depth)
	if err != nil {
		return nil, err
	}
	p := &filePage{b: b, id: id}
	if f := p.flags(); f != branchPageFlag && f != leafPageFlag {
		return nil, damaged("page %d, %s, is %s, not a branch or leaf page", id, ref, pageKind(f))
	}
	if arrayEnd(p.count()) > span {
		return nil, damaged("page %d, %s, says it holds %d elements, more than its %d bytes do", id, ref, p.count(), span)
	}
	if p.b, err = c.read(depth, id, uint64(len(p.b)), arrayEnd(p.count())); err != nil {
		return nil, err
	}
	end, err := layoutEnd(p.b, p, p.leaf(), p.count(), span)
	if err != nil {
		return nil, err
	}
	if p.b, err = c.read(depth, id, uint64(len(p.b)), end); err != nil {
		return nil, err
	}
	return p, nil
}

// firstPage reads the first page of page id, reached from ref, into the
// buffer for depth, checks that it is the page ref points to and inside
// the file with its overflow, and marks them reached. It returns the
// page's size with its overflow.
func (c *treeCheck) firstPage(id uint64, ref pageRef, depth int) ([]byte, uint64, error) {
	switch {
	case id < 2:
		return nil, 0, damaged("page %d, %s, is a meta page", id, ref)
	case id >= c.pages:
		return nil, 0, damaged("page %d, %s, is past the end of the file's %d pages", id, ref, c.pages)
	}
	b, err := c.read(depth, id, 0, c.pageSize)
	if err != nil {
		return nil, 0, err
	}
	if got := native.Uint64(b); got != id {
		return nil, 0, damaged("page %d, %s, says it is page %d", id, ref, got)
	}
	over := uint64(native.Uint32(b[12:]))
	if over >= c.pages-id {
		return nil, 0, damaged("page %d, %s, says it runs over %d more pages, past the end of the file's %d pages",
			id, ref, over, c.pages)
	}
	for i := id; i <= id+over; i++ {
		if err := c.reach(i, id, ref); err != nil {
			return nil, 0, err
		}
	}
	return b, (over + 1) * c.pageSize, nil
}

// reach marks page i, part of page id reached from ref, as reached,
// failing when it was before.
func (c *treeCheck) reach(i, id uint64, ref pageRef) error {
	if c.reached(i) {
		if i == id {
			return damaged("page %d, %s, was reached before from another page", id, ref)
		}
		return damaged("page %d, %s, runs over page %d, which another page uses", id, ref, i)
	}
	c.seen[i/64] |= 1 << (i % 64)
	return nil
}

func (c *treeCheck) reached(i uint64) bool { return c.seen[i/64]&(1<<(i%64)) != 0 }

// read returns the buffer for depth holding the first n bytes of page id,
// of which it holds the first have already.
func (c *treeCheck) read(depth int, id, have, n uint64) ([]byte, error) {
	if n > math.MaxInt {
		return nil, fmt.Errorf("page %d is %d bytes, more than this machine can read", id, n)
	}
	for len(c.bufs) <= depth {
		c.bufs = append(c.bufs, nil)
	}
	buf := c.bufs[depth]
	if n <= have {
		return buf[:have], nil
	}
	if uint64(cap(buf)) < n {
		grown := make([]byte, n)
		copy(grown, buf[:have])
		buf = grown
	}
	buf = buf[:n]
	c.bufs[depth] = buf
	if _, err := c.f.ReadAt(buf[have:], int64(id*c.pageSize+have)); err != nil {
		return nil, fmt.Errorf("read page %d: %w", id, err)
	}
	return buf, nil
}

// freelist checks the freelist page id: the pages it lists must be pages
// of the file, listed once, that no tree uses. It runs after the walk.
func (c *treeCheck) freelist(id uint64) error {
	ref := pageRef{what: "the freelist"}
	ids, err := c.freelistIDs(id, ref)
	if err != nil {
		return err
	}
	for i := 0; i < len(ids); i += 8 {
		free := native.Uint64(ids[i:])
		switch {
		case free < 2 || free >= c.pages:
			return damaged("page %d, %s, lists page %d as free, outside pages 2 to %d", id, ref, free, c.pages-1)
		case c.reached(free):
			return damaged("page %d, %s, lists page %d as free, but a tree uses it or the list has it twice",
				id, ref, free)
		}
		c.seen[free/64] |= 1 << (free % 64)
	}
	return c.allReached()
}

// freelistIDs reads the freelist page id and returns the page ids it
// lists, 8 bytes each.
func (c *treeCheck) freelistIDs(id uint64, ref pageRef) ([]byte, error) {
	b, span, err := c.firstPage(id, ref, 0)
	if err != nil {
		return nil, err
	}
	if f := native.Uint16(b[8:]); f != freelistPageFlag {
		return nil, damaged("page %d, %s, is %s", id, ref, pageKind(f))
	}
	// A count of 0xffff says the count is in the first id's place.
	start, n := uint64(pageHeaderSize), uint64(native.Uint16(b[10:]))
	if n == 0xffff {
		start, n = start+8, native.Uint64(b[pageHeaderSize:])
	}
	if n > (span-start)/8 {
		return nil, damaged("page %d, %s, says it lists %d pages, more than its %d bytes hold", id, ref, n, span)
	}
	if b, err = c.read(0, id, uint64(len(b)), start+8*n); err != nil {
		return nil, err
	}
	return b[start : start+8*n], nil
}

// allReached checks, once the trees and the freelist were walked, that
// every page of the file was reached: bbolt keeps every page it does not
// use in its freelist, so a page neither is one a damaged pointer left
// behind, in place of which the tree now has another page.
func (c *treeCheck) allReached() error {
	for i := uint64(2); i < c.pages; i++ {
		if !c.reached(i) {
			return damaged("page %d is neither in a tree nor in the freelist", i)
		}
	}
	return nil
}
