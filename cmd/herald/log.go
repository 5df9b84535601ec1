package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// runLog answers one page of a log query: a table on a terminal, NDJSON
// envelopes otherwise or with --json; the next page's cursor follows.
func runLog(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("log", "[flags]", e.stderr)
	top := fs.Int("top", 0, "the most events on the page (default 100, at most 10000)")
	cursor := fs.String("cursor", "", "continue from the page that printed this `CURSOR`")
	var names, labels listFlag
	fs.Var(&names, "name", "an event name `PATTERN` such as chat.message.* (repeatable)")
	fs.Var(&labels, "label", "a `KEY:VALUE` the events must carry (repeatable)")
	correlation := fs.String("correlation-id", "", "only the events of this correlation `ID`")
	since := fs.String("since", "", "only events at or after this RFC 3339 `TIME`")
	until := fs.String("until", "", "only events at or before this RFC 3339 `TIME`")
	newest := fs.Bool("newest", false, "the newest events first")
	asJSON := fs.Bool("json", false, "NDJSON envelopes even on a terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkNames(fs, names); err != nil {
		return err
	}
	q, err := buildQuery(*top, *cursor, names, labels, *correlation, *since, *until, *newest)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	page, err := s.query(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON || !e.stdoutTTY {
		return printPageJSON(e, page)
	}
	return printPageTable(e, page)
}

// buildQuery makes the query of the log command's flags.
func buildQuery(top int, cursor string, names, labels []string, correlation, since, until string, newest bool) (herald.Query, error) {
	q := herald.Query{Top: top, Cursor: cursor, Names: names, Newest: newest}
	var err error
	if correlation != "" {
		if q.CorrelationID, err = uuid.Parse(correlation); err != nil {
			return q, fmt.Errorf("--correlation-id %q: want a uuid", correlation)
		}
	}
	for _, l := range labels {
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" {
			return q, fmt.Errorf("--label %q: want key:value", l)
		}
		if q.Labels == nil {
			q.Labels = map[string]string{}
		}
		q.Labels[k] = v
	}
	if q.Since, err = parseTime("since", since); err != nil {
		return q, err
	}
	q.Until, err = parseTime("until", until)
	return q, err
}

// printPageJSON writes the page's envelopes as NDJSON to stdout and its
// cursor to stderr, so that stdout holds nothing but events.
func printPageJSON(e *env, page herald.Page) error {
	out := newNDJSON(e.stdout)
	for i := range page.Events {
		if err := out.write(page.Events[i]); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	if page.Cursor != "" {
		fmt.Fprintf(e.stderr, "next page: --cursor %s\n", page.Cursor)
	}
	return nil
}

// printPageTable writes the page as an aligned table, and the command
// line option for the next page.
func printPageTable(e *env, page herald.Page) error {
	if len(page.Events) == 0 {
		_, err := fmt.Fprintln(e.stdout, "no events")
		return err
	}
	t := newTable(e.stdout, eventHeader...)
	for i := range page.Events {
		t.row(eventRow(&page.Events[i])...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if page.Cursor != "" {
		_, err := fmt.Fprintf(e.stdout, "\nnext page: --cursor %s\n", page.Cursor)
		return err
	}
	return nil
}
