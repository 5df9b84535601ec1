package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/herald-go/herald"
)

// runTail follows the log live until interrupted: a line per event on a
// terminal, NDJSON envelopes otherwise or with --json.
func runTail(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("tail", "[flags]", e.stderr)
	var names listFlag
	fs.Var(&names, "name", "only events whose name matches this `PATTERN` (repeatable)")
	afterFlag := fs.String("after", "", "begin after this `POSITION` (default: the head, so new events only)")
	asJSON := fs.Bool("json", false, "NDJSON envelopes even on a terminal")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkNames(fs, names); err != nil {
		return err
	}
	after, fromHead, ok := tailStart(*afterFlag)
	if !ok {
		return usageError(fs, "--after %q: want a position, a whole number", *afterFlag)
	}
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	if fromHead {
		if after, err = headOf(ctx, s); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "following the log after position %d; interrupt (Ctrl-C) to stop\n", after)
	out := newNDJSON(e.stdout)
	table := !*asJSON && e.stdoutTTY
	return s.readLog(ctx, after, names, true, func(ev *herald.Event) error {
		if table {
			_, err := fmt.Fprintln(e.stdout, tailLine(ev))
			return err
		}
		if err := out.write(ev); err != nil {
			return err
		}
		return out.flush()
	})
}

// tailStart is the position tail begins after: the flag's (ok false when
// it does not parse), or the head.
func tailStart(flagValue string) (after uint64, fromHead, ok bool) {
	if flagValue == "" {
		return 0, true, true
	}
	p, err := strconv.ParseUint(flagValue, 10, 64)
	return p, false, err == nil
}

// headOf is the position after which new events come.
func headOf(ctx context.Context, s source) (uint64, error) {
	if h, ok := s.(headFinder); ok {
		return h.head(ctx)
	}
	st, err := s.stats(ctx)
	return st.Head, err
}

// headFinder is a source that finds where new events begin otherwise
// than by its stats.
type headFinder interface {
	head(ctx context.Context) (uint64, error)
}

// tailLine is an event on one line, in columns wide enough for most.
func tailLine(ev *herald.Event) string {
	r := eventRow(ev)
	return fmt.Sprintf("%8s  %s  %-32s  %s  %4s  %s", r[0], r[1], r[2], r[3], r[4], r[6])
}
