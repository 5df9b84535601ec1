package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/herald-go/herald"
)

// ndjson writes one JSON value a line.
type ndjson struct{ w *bufio.Writer }

func newNDJSON(w io.Writer) *ndjson { return &ndjson{w: bufio.NewWriterSize(w, 64<<10)} }

// write writes v and a newline.
func (n *ndjson) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	n.w.Write(b)
	return n.w.WriteByte('\n')
}

func (n *ndjson) flush() error { return n.w.Flush() }

// readNDJSON decodes r, one envelope a line, and calls fn with each event
// and its line number; blank lines are skipped. A line that does not
// decode is an error naming its number.
func readNDJSON(r io.Reader, fn func(line int, e *herald.Event) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var e herald.Event
		if err := e.UnmarshalJSON(b); err != nil { // not json.Unmarshal, which would scan the line once more
			return &lineError{Line: line, Err: err}
		}
		if err := fn(line, &e); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &lineError{Line: line + 1, Err: err}
	}
	return nil
}

// maxLine is the longest NDJSON line read: an event of the largest size a
// store takes, with room for its envelope.
const maxLine = 64 << 20

// lineError is a line of NDJSON that could not be used.
type lineError struct {
	Line int
	Err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *lineError) Unwrap() error { return e.Err }
