package match_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/herald-go/herald"
)

// assertRefused fails t unless err, the error of a parse that refused
// its input, matches herald.ErrInvalid with a message of one short line.
func assertRefused(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, herald.ErrInvalid) {
		t.Fatalf("error %v does not match ErrInvalid", err)
	}
	if msg := err.Error(); len(msg) > 512 || strings.Contains(msg, "\n") {
		t.Fatalf("the error is more than a short line: %.1000q", msg)
	}
}
