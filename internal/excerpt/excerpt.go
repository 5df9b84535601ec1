package excerpt

import (
	"strconv"
	"unicode/utf8"
)

// MaxBytes is how many bytes of a value Quote keeps.
const MaxBytes = 64

// Quote returns s quoted as strconv.Quote does, cut to its first MaxBytes
// bytes (at a rune boundary) with the length of the whole added when it
// is longer.
func Quote(s string) string {
	if len(s) <= MaxBytes {
		return strconv.Quote(s)
	}
	cut := MaxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
