package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// importer appends NDJSON envelopes in atomic batches.
type importer struct {
	src      source
	size     int
	batch    []herald.Event
	ids      map[uuid.UUID]struct{} // of the batch
	first    int                    // line of the batch's first event
	skipped  int
	progress *progress
}

// runImport reads NDJSON envelopes from stdin or a file and appends them
// in atomic batches, leaving out the events stored already, with its
// progress on stderr. An id that comes again within a batch ends the
// batch before it, so that it is left out as stored already when it is
// the same event.
func runImport(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("import", "[flags]", e.stderr)
	inPath := fs.String("in", "", "read from `FILE` instead of stdin")
	size := fs.Int("batch", 500, "the events of one atomic append (1 to 10000)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *size < 1 || *size > herald.MaxTop {
		return usageError(fs, "--batch %d: want 1 to %d", *size, herald.MaxTop)
	}
	r, closeIn, err := openIn(e, *inPath)
	if err != nil {
		return err
	}
	defer closeIn()
	s, err := openSource(ctx, src, e, true)
	if err != nil {
		return err
	}
	defer s.close()
	im := &importer{src: s, size: *size, batch: make([]herald.Event, 0, *size),
		ids:      make(map[uuid.UUID]struct{}, *size),
		progress: newProgress(e.stderr, e.stderrTTY, "imported", 0)}
	im.progress.input = r
	err = readNDJSON(r, func(line int, ev *herald.Event) error { return im.add(ctx, line, ev) })
	if err == nil {
		err = im.flush(ctx, -1)
	}
	if err != nil {
		return im.failed(err)
	}
	im.progress.finish(im.skippedNote())
	return nil
}

// add checks the event of a line and appends the batch once it is full.
func (im *importer) add(ctx context.Context, line int, ev *herald.Event) error {
	if err := driver.CheckEnvelope(ev); err != nil {
		return &lineError{Line: line, Err: err}
	}
	if _, twice := im.ids[ev.ID]; twice { // the store refuses an id twice in a batch: end the batch before it
		if err := im.flush(ctx, line-1); err != nil {
			return err
		}
	}
	if len(im.batch) == 0 {
		im.first = line
	}
	im.batch = append(im.batch, *ev)
	im.ids[ev.ID] = struct{}{}
	if len(im.batch) < im.size {
		return nil
	}
	return im.flush(ctx, line)
}

// flush appends the batch, whose last line is last (-1 at the end of the
// input).
func (im *importer) flush(ctx context.Context, last int) error {
	if len(im.batch) == 0 {
		return nil
	}
	skipped, err := im.src.appendBatch(ctx, im.batch)
	if err != nil {
		lines := fmt.Sprintf("lines %d to %d", im.first, last)
		if last < 0 {
			lines = fmt.Sprintf("lines %d to the end", im.first)
		}
		return fmt.Errorf("the batch of %s: %w", lines, err)
	}
	im.skipped += skipped
	im.progress.add(len(im.batch) - skipped)
	im.batch = im.batch[:0]
	clear(im.ids)
	return nil
}

// failed is the error of an import that stopped, saying what is stored.
func (im *importer) failed(err error) error {
	done := fmt.Sprintf("the %d events before it are stored (%d new); run the import again to resume, events stored already are left out",
		im.progress.done+uint64(im.skipped), im.progress.done)
	var le *lineError
	var partial *partialError
	switch {
	case errors.As(err, &le) && len(im.batch) > 0:
		return fmt.Errorf("%w; nothing of its batch (lines %d to %d) is stored; %s", err, im.first, le.Line, done)
	case errors.As(err, &le): // the first line of a batch
		return fmt.Errorf("%w; %s", err, done)
	case errors.As(err, &partial):
		return fmt.Errorf("%w; %s", err, done)
	}
	return fmt.Errorf("%w; nothing of that batch is stored; %s", err, done)
}

// skippedNote is what the summary says of the events stored already.
func (im *importer) skippedNote() string {
	if im.skipped == 0 {
		return ""
	}
	return fmt.Sprintf(", %d stored already left out", im.skipped)
}

// openIn returns stdin, or the file at path, counting the bytes read
// from a regular file, whose size is known.
func openIn(e *env, path string) (*countingReader, func() error, error) {
	if path == "" {
		in := &countingReader{r: e.stdin}
		if f, ok := e.stdin.(*os.File); ok {
			in.size = regularSize(f)
		}
		return in, func() error { return nil }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return &countingReader{r: f, size: regularSize(f)}, f.Close, nil
}

// regularSize is the size of f when it is a regular file, 0 otherwise.
func regularSize(f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}
