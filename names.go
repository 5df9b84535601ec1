package herald

import (
	"fmt"
	"strings"
)

// NameMatcher matches full event names ("context.aggregate.name") against a
// list of patterns, each segment literal or "*". The zero NameMatcher
// matches every event. Build one with MatchNames; it is safe for concurrent
// use and allocates nothing when matching.
type NameMatcher struct {
	patterns []namePattern
}

type namePattern [3]string // "" stands for "*"

// MatchNames compiles patterns such as "communication.message.sent" or
// "communication.*.*". No patterns match every event. A pattern that does
// not have exactly three non-empty segments is an error naming it.
func MatchNames(patterns ...string) (NameMatcher, error) {
	m := NameMatcher{patterns: make([]namePattern, 0, len(patterns))}
	for _, p := range patterns {
		segments := strings.Split(p, ".")
		if len(segments) != 3 {
			return NameMatcher{}, fmt.Errorf("%w: event name pattern %q: want context.aggregate.name", ErrInvalid, p)
		}
		var np namePattern
		for i, s := range segments {
			if s == "" {
				return NameMatcher{}, fmt.Errorf("%w: event name pattern %q: segment %d is empty", ErrInvalid, p, i+1)
			}
			if s != "*" {
				if strings.Contains(s, "*") {
					return NameMatcher{}, fmt.Errorf("%w: event name pattern %q: \"*\" must stand for a whole segment", ErrInvalid, p)
				}
				np[i] = s
			}
		}
		m.patterns = append(m.patterns, np)
	}
	return m, nil
}

// Match reports whether e's full name matches one of the patterns, or
// whether there are none. A nil e matches nothing.
func (m NameMatcher) Match(e *Event) bool {
	if e == nil {
		return false
	}
	if len(m.patterns) == 0 {
		return true
	}
	for i := range m.patterns {
		p := &m.patterns[i]
		if (p[0] == "" || p[0] == e.Aggregate.Context) &&
			(p[1] == "" || p[1] == e.Aggregate.Name) &&
			(p[2] == "" || p[2] == e.Name) {
			return true
		}
	}
	return false
}

// String lists the patterns, comma-separated; "*.*.*" when there are none.
func (m NameMatcher) String() string {
	if len(m.patterns) == 0 {
		return "*.*.*"
	}
	parts := make([]string, len(m.patterns))
	for i, p := range m.patterns {
		seg := [3]string{}
		for j, s := range p {
			seg[j] = s
			if s == "" {
				seg[j] = "*"
			}
		}
		parts[i] = strings.Join(seg[:], ".")
	}
	return strings.Join(parts, ",")
}
