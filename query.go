package herald

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"iter"
	"time"
)

// PreparedQuery is a Query checked and compiled, ready for a store to run.
// A store scans its log in the query's order starting after From and lets
// Collect pick the page; see memstore for the pattern.
type PreparedQuery struct {
	Query
	// From is the position the page starts after (oldest first) or before
	// (newest first); 0 means from the start of the log, or from its head.
	From  uint64
	names NameMatcher
}

const cursorVersion = 1

// Prepare checks q and compiles it. A malformed name pattern, a Top out of
// range, Since after Until, or a cursor that is not one of this query's order
// is an error matching ErrInvalid.
func (q Query) Prepare() (*PreparedQuery, error) {
	names, err := MatchNames(q.Names...)
	if err != nil {
		return nil, err
	}
	if q.Top < 0 || q.Top > MaxTop {
		return nil, fmt.Errorf("%w: query top %d: want 0 to %d", ErrInvalid, q.Top, MaxTop)
	}
	if q.Top == 0 {
		q.Top = DefaultTop
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return nil, fmt.Errorf("%w: query since %s is after until %s", ErrInvalid,
			q.Since.Format(time.RFC3339Nano), q.Until.Format(time.RFC3339Nano))
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
func (p *PreparedQuery) Match(e *Event) bool {
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
// returns the first page of those that match, with a cursor when more
// match. It stops reading once it knows. A nil events is an error matching
// ErrInvalid.
func (p *PreparedQuery) Collect(events iter.Seq2[Event, error]) (Page, error) {
	if events == nil {
		return Page{}, fmt.Errorf("%w: query: collect: the events are a nil iterator", ErrInvalid)
	}
	var page Page
	for e, err := range events {
		if err != nil {
			return Page{}, err
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

func encodeCursor(position uint64, newest bool) string {
	buf := make([]byte, 2, 2+binary.MaxVarintLen64)
	buf[0] = cursorVersion
	if newest {
		buf[1] = 1
	}
	buf = binary.AppendUvarint(buf, position)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func decodeCursor(cursor string, newest bool) (uint64, error) {
	buf, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(buf) < 3 || buf[0] != cursorVersion || buf[1] > 1 {
		return 0, fmt.Errorf("%w: query cursor %q is not one this library made", ErrInvalid, cursor)
	}
	if (buf[1] == 1) != newest {
		return 0, fmt.Errorf("%w: query cursor %q belongs to a query of the other order", ErrInvalid, cursor)
	}
	pos, n := binary.Uvarint(buf[2:])
	if n <= 0 || n != len(buf)-2 || pos == 0 {
		return 0, fmt.Errorf("%w: query cursor %q is corrupt", ErrInvalid, cursor)
	}
	return pos, nil
}
