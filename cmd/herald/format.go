package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/herald-go/herald"
)

// timeLayout is how the tables show a timestamp: UTC, to the millisecond.
const timeLayout = "2006-01-02 15:04:05.000Z"

// dataWidth is the most of an event's data a table row shows.
const dataWidth = 60

// eventHeader is the header of a table of events.
var eventHeader = []string{"POSITION", "TIMESTAMP", "NAME", "AGGREGATE", "REV", "USER", "DATA"}

// eventRow is an event's row in a table.
func eventRow(e *herald.Event) []string {
	user := "-"
	if e.User != nil {
		user = e.User.ID
	}
	return []string{
		fmt.Sprint(e.Metadata.Position),
		e.Metadata.Timestamp.UTC().Format(timeLayout),
		e.FullName(),
		e.Aggregate.ID.String(),
		fmt.Sprint(e.Metadata.Revision),
		user,
		dataExcerpt(e.Data),
	}
}

// dataExcerpt is data as compact JSON, cut at dataWidth runes.
func dataExcerpt(data any) string {
	b, err := json.Marshal(data)
	if err != nil {
		return "?"
	}
	s := string(b)
	if r := []rune(s); len(r) > dataWidth {
		s = string(r[:dataWidth-1]) + "…"
	}
	return s
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// parseTime parses an RFC 3339 flag value; the empty string is the zero
// time.
func parseTime(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: want an RFC 3339 time such as 2026-12-03T09:30:00Z", flagName, v)
	}
	return t, nil
}
