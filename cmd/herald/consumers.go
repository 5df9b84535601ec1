package main

import (
	"context"
	"fmt"
)

// runConsumers lists the durable consumers with their checkpoint, lag and
// state; names given as arguments are listed even without a checkpoint.
func runConsumers(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("consumers", "[flags] [NAME...]", e.stderr)
	asJSON := fs.Bool("json", false, "NDJSON even on a terminal")
	names, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	list, err := s.consumers(ctx, names)
	if err != nil {
		return err
	}
	if *asJSON || !e.stdoutTTY {
		out := newNDJSON(e.stdout)
		for _, c := range list {
			if err := out.write(c); err != nil {
				return err
			}
		}
		return out.flush()
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "no consumers")
		return nil
	}
	t := newTable(e.stdout, "NAME", "CHECKPOINT", "LAG", "STATE")
	for _, c := range list {
		state := c.State
		if state == "" {
			state = "unknown"
		}
		t.row(c.Name, fmt.Sprint(c.Checkpoint), fmt.Sprint(c.Lag), state)
	}
	return t.flush()
}
