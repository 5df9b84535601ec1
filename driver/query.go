package driver

import (
	"fmt"
	"iter"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// PreparedQuery is a [herald.Query] checked and compiled, ready for a
// store to run: the store scans its log in the query's order starting
// after From and lets [PreparedQuery.Collect] pick the page. Make one with
// [Prepare]; store/memstore shows the pattern.
type PreparedQuery struct {
	herald.Query
	// From is the position the page starts after (oldest first) or before
	// (newest first); 0 means from the start of the log, or from its head.
	From  uint64
	names match.Names
}

// Prepare checks q and compiles it, with Top set to [herald.DefaultTop]
// when it is 0. A malformed name pattern, a Top out of range, Since after
// Until, or a cursor that is not one of this query's order is an error
// matching [herald.ErrInvalid].
func Prepare(q herald.Query) (*PreparedQuery, error) {
	names, err := match.ParseNames(q.Names...)
	if err != nil {
		return nil, err
	}
	if q.Top < 0 || q.Top > herald.MaxTop {
		return nil, fmt.Errorf("top %d: want 0 to %d: %w", q.Top, herald.MaxTop, herald.ErrInvalid)
	}
	if q.Top == 0 {
		q.Top = herald.DefaultTop
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return nil, fmt.Errorf("since %s is after until %s: %w",
			q.Since.Format(time.RFC3339Nano), q.Until.Format(time.RFC3339Nano), herald.ErrInvalid)
	}
	p := &PreparedQuery{Query: q, names: names}
	if q.Cursor != "" {
		if p.From, err = decodeCursor(q.Cursor, q.Newest); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Match reports whether e satisfies the query's names, correlation id,
// labels and time range. A nil e matches none.
func (p *PreparedQuery) Match(e *herald.Event) bool {
	if e == nil || !p.names.Match(e) {
		return false
	}
	if p.CorrelationID != [16]byte{} && e.Metadata.CorrelationID != p.CorrelationID {
		return false
	}
	for k, v := range p.Labels {
		if got, ok := e.Metadata.Labels[k]; !ok || got != v {
			return false
		}
	}
	ts := e.Metadata.Timestamp
	if !p.Since.IsZero() && ts.Before(p.Since) {
		return false
	}
	return p.Until.IsZero() || !ts.After(p.Until)
}

// Collect reads events in the query's order, starting after From, and
// returns the first page of those that match ([PreparedQuery.Match]), with
// a cursor when more match. It stops reading once it knows, and returns
// the first error events yields as it is. A nil events is an error
// matching [herald.ErrInvalid].
func (p *PreparedQuery) Collect(events iter.Seq2[herald.Event, error]) (herald.Page, error) {
	if events == nil {
		return herald.Page{}, fmt.Errorf("collect: the events are a nil iterator: %w", herald.ErrInvalid)
	}
	var page herald.Page
	for e, err := range events {
		if err != nil {
			return herald.Page{}, err
		}
		if !p.Match(&e) {
			continue
		}
		if len(page.Events) == p.Top {
			last := page.Events[len(page.Events)-1]
			page.Cursor = encodeCursor(last.Metadata.Position, p.Newest)
			break
		}
		page.Events = append(page.Events, e)
	}
	return page, nil
}
