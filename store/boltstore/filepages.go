package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// bbolt's file format, version 2, as checkFile reads it. The file is a
// sequence of pages of the size its meta pages give. A page starts with a
// header; one whose contents are larger than a page runs over the pages
// after it, its overflow. bbolt writes its structures as they are in
// memory, so integers are in the machine's byte order.
const (
	// A page header: the page's id (8 bytes), flags (2), element count (2)
	// and overflow page count (4).
	pageHeaderSize = 16
	// An element, in the array that follows the header. A branch's: key
	// offset (4), key size (4) and child page id (8); a leaf's: flags (4),
	// key offset (4), key size (4) and value size (4). Offsets count from
	// the element itself; a leaf's value follows its key.
	elementSize = 16
	// A bucket's value: its root page id (8, 0 for an inline bucket) and
	// sequence (8). An inline bucket's leaf page follows.
	bucketHeaderSize = 16

	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10

	// bucketElementFlag marks a leaf element whose value is a bucket.
	bucketElementFlag = 0x01
)

var native = binary.NativeEndian

// filePage is a branch or leaf page as checkFile read it: its bytes from
// its header to the end of its last element's key and value.
type filePage struct {
	b  []byte
	id uint64
	// bucket is the name of the bucket whose inline page this is, in the
	// value of an element of page id; nil for a page of the file.
	bucket []byte
}

// String names the page for messages.
func (p *filePage) String() string {
	if p.bucket == nil {
		return fmt.Sprintf("page %d", p.id)
	}
	return fmt.Sprintf("the inline page of bucket %s in page %d", keyText(p.bucket), p.id)
}

func (p *filePage) flags() uint16 { return native.Uint16(p.b[8:]) }
func (p *filePage) count() int    { return int(native.Uint16(p.b[10:])) }
func (p *filePage) leaf() bool    { return p.flags() == leafPageFlag }

// element is an element of a branch or leaf page: its key, and a branch's
// child or a leaf's flags and value.
type element struct {
	key, value []byte
	child      uint64
	flags      uint32
}

// element returns element i of p, whose layout checkLayout checked.
func (p *filePage) element(i int) element {
	off := pageHeaderSize + i*elementSize
	e := p.b[off:]
	if !p.leaf() {
		pos := off + int(native.Uint32(e))
		end := pos + int(native.Uint32(e[4:]))
		return element{key: p.b[pos:end:end], child: native.Uint64(e[8:])}
	}
	pos := off + int(native.Uint32(e[4:]))
	mid := pos + int(native.Uint32(e[8:]))
	end := mid + int(native.Uint32(e[12:]))
	return element{flags: native.Uint32(e), key: p.b[pos:mid:mid], value: p.b[mid:end:end]}
}

// arrayEnd returns where the element array of a page with count elements
// ends, counted from the page's start.
func arrayEnd(count int) uint64 { return pageHeaderSize + uint64(count)*elementSize }

// layoutEnd checks that the keys and values of the count elements in b,
// a branch's or a leaf's, end within size bytes of the page's start, and
// returns where the last of them ends. b holds the element array.
func layoutEnd(b []byte, name fmt.Stringer, leaf bool, count int, size uint64) (uint64, error) {
	end := arrayEnd(count)
	for i := range count {
		off := arrayEnd(i)
		e := b[off:]
		var n uint64
		if leaf {
			n = off + uint64(native.Uint32(e[4:])) + uint64(native.Uint32(e[8:])) + uint64(native.Uint32(e[12:]))
		} else {
			n = off + uint64(native.Uint32(e)) + uint64(native.Uint32(e[4:]))
		}
		if n > size {
			return 0, damaged("%s: element %d's key and value run to byte %d, past the page's end at %d", name, i, n, size)
		}
		end = max(end, n)
	}
	return end, nil
}

// checkOrder checks that key, element i of p, is at least lo, after last
// and before hi; a nil bound is none.
func checkOrder(p *filePage, i int, key, lo, hi, last []byte) error {
	switch {
	case lo != nil && bytes.Compare(key, lo) < 0:
		return damaged("%s: key %d (%s) sorts before the key its parent has for the page (%s)",
			p, i, keyText(key), keyText(lo))
	case last != nil && bytes.Compare(key, last) <= 0:
		return damaged("%s: key %d (%s) does not sort after the key before it (%s)",
			p, i, keyText(key), keyText(last))
	case hi != nil && bytes.Compare(key, hi) >= 0:
		return damaged("%s: key %d (%s) does not sort before the key its parent has for the next page (%s)",
			p, i, keyText(key), keyText(hi))
	}
	return nil
}

// keyText returns a key for a message, its first 32 bytes: quoted when
// they are printable ASCII, in hex otherwise.
func keyText(k []byte) string {
	more := ""
	if len(k) > 32 {
		k, more = k[:32], "…"
	}
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return "0x" + hex.EncodeToString(k) + more
		}
	}
	return strconv.Quote(string(k)) + more
}

// pageKind names a page's type from its flags.
func pageKind(flags uint16) string {
	switch flags {
	case branchPageFlag:
		return "a branch page"
	case leafPageFlag:
		return "a leaf page"
	case metaPageFlag:
		return "a meta page"
	case freelistPageFlag:
		return "a freelist page"
	}
	return fmt.Sprintf("a page of unknown type %#x", flags)
}
