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
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	after, err := tailStart(ctx, s, *afterFlag)
	if err != nil {
		return usageError(fs, "%v", err)
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

// tailStart is the position tail begins after: the flag's, or the head.
func tailStart(ctx context.Context, s source, flagValue string) (uint64, error) {
	if flagValue != "" {
		p, err := strconv.ParseUint(flagValue, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("--after %q: want a position, a whole number", flagValue)
		}
		return p, nil
	}
	st, err := s.stats(ctx)
	return st.Head, err
}

// tailLine is an event on one line, in columns wide enough for most.
func tailLine(ev *herald.Event) string {
	r := eventRow(ev)
	return fmt.Sprintf("%8s  %s  %-32s  %s  %4s  %s", r[0], r[1], r[2], r[3], r[4], r[6])
}
