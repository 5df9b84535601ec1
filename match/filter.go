package match

import (
	"fmt"

	"github.com/herald-go/herald"
)

// Filter is a subscription's filter compiled: its event names and its
// pattern, both of which an event must match. The zero Filter matches
// every event. Make one with [NewFilter]; it is safe for concurrent use.
type Filter struct {
	names   Names
	pattern *Pattern
}

// NewFilter compiles the names and the pattern of a subscription
// ([herald.Subscription] Events and Pattern): the names as [ParseNames]
// does, the pattern, when not empty, as [ParsePattern] does. A bus calls
// it when a subscription is made, so a malformed name or pattern is an
// error then, matching [herald.ErrInvalid] and naming what is wrong.
func NewFilter(events []string, pattern string) (Filter, error) {
	names, err := ParseNames(events...)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{names: names}
	if pattern != "" {
		if f.pattern, err = ParsePattern([]byte(pattern)); err != nil {
			return Filter{}, err
		}
	}
	return f, nil
}

// Match reports whether e matches both the names and the pattern. A nil f
// is the zero Filter; a nil e matches no filter.
func (f *Filter) Match(e *herald.Event) bool {
	if f == nil {
		return e != nil
	}
	return f.names.Match(e) && (f.pattern == nil || f.pattern.Match(e))
}

// Events lists the name patterns comma-separated, "*.*.*" for every event.
func (f Filter) Events() string { return f.names.String() }

// Pattern returns the pattern as compact JSON, "" when there is none.
func (f Filter) Pattern() string { return f.pattern.String() }

// String describes the filter: the names, then the pattern if any.
func (f Filter) String() string {
	if f.pattern == nil {
		return f.Events()
	}
	return fmt.Sprintf("%s %s", f.Events(), f.pattern)
}
