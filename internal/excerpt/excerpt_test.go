package excerpt_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/excerpt"
)

func TestQuote(t *testing.T) {
	assert.Equal(t, `"a.b"`, excerpt.Quote("a.b"))
	assert.Equal(t, `"\n"`, excerpt.Quote("\n"))
	exact := strings.Repeat("x", excerpt.MaxBytes)
	assert.Equal(t, `"`+exact+`"`, excerpt.Quote(exact))

	long := excerpt.Quote(strings.Repeat("y", 900_000))
	assert.Equal(t, `"`+strings.Repeat("y", excerpt.MaxBytes)+`"… (900000 bytes)`, long)

	// A cut never splits a rune: the prefix stays valid UTF-8.
	runes := excerpt.Quote(strings.Repeat("é", 100))
	assert.Equal(t, `"`+strings.Repeat("é", excerpt.MaxBytes/2)+`"… (200 bytes)`, runes)
}

func TestText(t *testing.T) {
	assert.Equal(t, "short", excerpt.Text("short"))
	long := excerpt.Text(strings.Repeat("z", 900_000))
	assert.Equal(t, strings.Repeat("z", excerpt.MaxTextBytes)+"… (900000 bytes)", long)
	runes := excerpt.Text(strings.Repeat("é", excerpt.MaxTextBytes))
	assert.Equal(t, strings.Repeat("é", excerpt.MaxTextBytes/2)+"… (512 bytes)", runes)
}
