package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/herald-go/herald"
)

// runExport writes the log after a position as NDJSON envelopes to
// stdout or a file, with its progress on stderr.
func runExport(ctx context.Context, e *env, args []string) (err error) {
	fs, src := newFlagSet("export", "[flags]", e.stderr)
	after := fs.Uint64("after", 0, "export the events after this `POSITION` (to resume an export)")
	outPath := fs.String("out", "", "write to `FILE` instead of stdout (appended to with --after)")
	var names listFlag
	fs.Var(&names, "name", "only events whose name matches this `PATTERN` (repeatable)")
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
	st, err := s.stats(ctx)
	if err != nil {
		return err
	}
	w, closeOut, err := openOut(e, *outPath, *after > 0)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, closeOut()) }()
	p := newProgress(e.stderr, e.stderrTTY, "exported", st.Head-min(*after, st.Head))
	out := newNDJSON(w)
	last := *after
	err = s.readLog(ctx, *after, names, false, func(ev *herald.Event) error {
		last = ev.Metadata.Position
		p.add(1)
		return out.write(ev)
	})
	if ferr := out.flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("%w (resume with --after %d)", err, last)
	}
	p.finish(fmt.Sprintf(", up to position %d", last))
	return nil
}

// openOut returns stdout, or the file at path: created, or appended to
// when resuming.
func openOut(e *env, path string, resume bool) (io.Writer, func() error, error) {
	if path == "" {
		return e.stdout, func() error { return nil }, nil
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if resume {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
