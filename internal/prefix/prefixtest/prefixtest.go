package prefixtest

import (
	"errors"
	"strings"
	"testing"
)

// Packages are the prefixes of the module's packages.
var Packages = []string{"herald", "driver", "match", "membus", "bustest", "engine", "durable",
	"projection", "push", "memstore", "boltstore", "storetest"}

// Check fails t unless err starts with pkg's prefix, holds no package
// prefix after it, matches target through errors.Is, and ends with
// target's text.
func Check(t testing.TB, err error, pkg string, target error) {
	t.Helper()
	if err == nil {
		t.Errorf("got no error, want one matching %q", target)
		return
	}
	text := err.Error()
	t.Log(text)
	if !strings.HasPrefix(text, pkg+": ") {
		t.Errorf("%q does not start with %q", text, pkg+": ")
	}
	if !noPrefix(strings.TrimPrefix(text, pkg+": ")) {
		t.Errorf("%q holds a package prefix after %q", text, pkg+": ")
	}
	if !errors.Is(err, target) {
		t.Errorf("%q does not match %q", text, target)
	}
	if !strings.HasSuffix(text, ": "+target.Error()) {
		t.Errorf("%q does not end with %q", text, ": "+target.Error())
	}
}

// Case is an error and the sentinel it must match, written
// {err, target}.
type Case = struct {
	Err    error
	Target error
}

// CheckAll runs Check on each case, as a subtest named by its key.
func CheckAll(t *testing.T, pkg string, cases map[string]Case) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { Check(t, tc.Err, pkg, tc.Target) })
	}
}

// AtMostOnePrefix reports whether text holds no prefix of Packages but
// maybe one at its start: the text of an error returned to the caller,
// or of one meant to be wrapped (as the driver package's are).
func AtMostOnePrefix(text string) bool {
	for _, pkg := range Packages {
		if rest, ok := strings.CutPrefix(text, pkg+": "); ok {
			return noPrefix(rest)
		}
	}
	return noPrefix(text)
}

// noPrefix reports whether rest holds no prefix of Packages.
func noPrefix(rest string) bool {
	for _, p := range Packages {
		if strings.HasPrefix(rest, p+": ") || strings.Contains(rest, ": "+p+": ") ||
			strings.Contains(rest, "\n"+p+": ") || strings.Contains(rest, "("+p+": ") {
			return false
		}
	}
	return true
}
