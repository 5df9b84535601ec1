package excerpt

import (
	"strconv"
	"unicode/utf8"
)

// MaxBytes is how many bytes of a value Quote keeps.
const MaxBytes = 64

// MaxTextBytes is how many bytes of a message Text keeps.
const MaxTextBytes = 256

// Quote returns s quoted as strconv.Quote does, cut to its first MaxBytes
// bytes (at a rune boundary) with the length of the whole added when it
// is longer.
func Quote(s string) string {
	if len(s) <= MaxBytes {
		return strconv.Quote(s)
	}
	return strconv.Quote(prefix(s, MaxBytes)) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// Text returns s, a message that may hold a value from outside, cut to
// its first MaxTextBytes bytes (at a rune boundary) with the length of the
// whole added when it is longer.
func Text(s string) string {
	if len(s) <= MaxTextBytes {
		return s
	}
	return prefix(s, MaxTextBytes) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// prefix returns the first n bytes of s, or fewer to end at a rune
// boundary.
func prefix(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
