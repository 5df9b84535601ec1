package match

import (
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Names matches full event names ("context.aggregate.name") against a
// list of patterns, each segment literal or "*". The zero Names matches
// every event. Make one with [ParseNames]; it is safe for concurrent use
// and allocates nothing when matching.
type Names struct {
	patterns []namePattern
}

type namePattern [3]string // "" stands for "*"

// ParseNames compiles patterns such as "communication.message.sent" or
// "communication.*.*". No patterns match every event. A pattern that does
// not have exactly three non-empty segments, or with a "*" that is not a
// whole segment, is an error matching [herald.ErrInvalid] that names it.
func ParseNames(patterns ...string) (Names, error) {
	m := Names{patterns: make([]namePattern, 0, len(patterns))}
	for _, p := range patterns {
		segments := strings.Split(p, ".")
		if len(segments) != 3 {
			return Names{}, prefix.Errorf("match", "event name pattern %q: want context.aggregate.name: %w", p, herald.ErrInvalid)
		}
		var np namePattern
		for i, s := range segments {
			if s == "" {
				return Names{}, prefix.Errorf("match", "event name pattern %q: segment %d is empty: %w", p, i+1, herald.ErrInvalid)
			}
			if s != "*" {
				if strings.Contains(s, "*") {
					return Names{}, prefix.Errorf("match", "event name pattern %q: \"*\" must stand for a whole segment: %w", p, herald.ErrInvalid)
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
func (m Names) Match(e *herald.Event) bool {
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
func (m Names) String() string {
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
