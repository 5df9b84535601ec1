package main

import (
	"context"
	"fmt"
)

// runStats prints the count of events per name and the head position: a
// table, or with --json the document GET /events/stats answers.
func runStats(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("stats", "[flags]", e.stderr)
	asJSON := fs.Bool("json", false, "one JSON document even on a terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	st, err := s.stats(ctx)
	if err != nil {
		return err
	}
	if *asJSON || !e.stdoutTTY {
		out := newNDJSON(e.stdout)
		counts := st.Counts
		if counts == nil {
			counts = map[string]uint64{}
		}
		if err := out.write(map[string]any{"events": st.Events, "head": st.Head, "counts": counts}); err != nil {
			return err
		}
		return out.flush()
	}
	t := newTable(e.stdout, "NAME", "EVENTS")
	for _, name := range sortedKeys(st.Counts) {
		t.row(name, fmt.Sprint(st.Counts[name]))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d events, head at position %d\n", st.Events, st.Head)
	return nil
}
