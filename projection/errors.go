package projection

import (
	"fmt"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// checkName refuses what a projection's or flow's name and store must
// not be.
func checkName(name string, store herald.Store) error {
	switch {
	case store == nil:
		return invalid(name, "the store is nil")
	case strings.Contains(name, "#"):
		return invalid(name, "the name contains '#'")
	}
	return nil
}

// nilContext is the error of op, a call of the consumer name, given a nil
// context.
func nilContext(name, op string) error { return invalid(name, "%s: the context is nil", op) }

// invalid returns an error matching herald.ErrInvalid about the consumer
// name.
func invalid(name, format string, args ...any) error {
	if name == "" {
		return prefix.Errorf("projection", "%s: %w", fmt.Sprintf(format, args...), herald.ErrInvalid)
	}
	return prefix.Errorf("projection", "%q: %s: %w", name, fmt.Sprintf(format, args...), herald.ErrInvalid)
}
