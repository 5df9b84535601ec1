package heraldtest

import (
	"testing"

	"github.com/herald-go/herald"
)

// CheckRegistry reports with t.Errorf, naming the event, each definition
// of r that has no sample ([herald.WithSample]), and each whose sample
// its JSON Schema ([herald.Definition.Schema]) refuses, with why. It
// reports a registry that is nil or defines nothing too, since such a
// check would pass without checking anything.
func CheckRegistry(t testing.TB, r *herald.Registry) {
	t.Helper()
	defs := r.Definitions()
	if len(defs) == 0 {
		t.Errorf("heraldtest: the registry defines no event")
		return
	}
	for _, d := range defs {
		if d.Sample == nil {
			t.Errorf("heraldtest: event %s has no sample: give it one with herald.WithSample", d.FullName())
			continue
		}
		if err := d.ValidateSample(); err != nil {
			t.Errorf("heraldtest: event %s: the sample does not pass the schema: %v", d.FullName(), err)
		}
	}
}
