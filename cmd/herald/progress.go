package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress reports how far a long command is on stderr: a bar redrawn in
// place on a terminal (a count when the total is unknown), a line now and
// then otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	verb  string // "exported", "imported"
	total uint64 // 0 when unknown
	done  uint64
	start time.Time
	last  time.Time
	// input, when set, is the input being read, whose share read makes
	// the bar when the total of events is unknown.
	input *countingReader
}

// countingReader counts the bytes read from a reader of a known size.
type countingReader struct {
	r          io.Reader
	read, size int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.read += int64(n)
	return n, err
}

// Intervals between two reports.
const (
	barInterval  = 100 * time.Millisecond
	lineInterval = 5 * time.Second
	barWidth     = 30
)

func newProgress(w io.Writer, tty bool, verb string, total uint64) *progress {
	now := time.Now()
	return &progress{w: w, tty: tty, verb: verb, total: total, start: now, last: now}
}

// add counts n more events and reports when it is time to.
func (p *progress) add(n int) {
	p.done += uint64(n)
	interval := lineInterval
	if p.tty {
		interval = barInterval
	}
	if now := time.Now(); now.Sub(p.last) >= interval {
		p.last = now
		p.report()
	}
}

// finish reports the final count, followed by extra.
func (p *progress) finish(extra string) {
	if p.tty {
		p.report()
		fmt.Fprintln(p.w)
	}
	fmt.Fprintf(p.w, "%s %d events in %s%s\n", p.verb, p.done, time.Since(p.start).Round(time.Millisecond), extra)
}

func (p *progress) report() {
	rate := float64(p.done) / max(time.Since(p.start).Seconds(), 1e-3)
	if !p.tty {
		fmt.Fprintf(p.w, "%s %d events (%.0f/s)\n", p.verb, p.done, rate)
		return
	}
	done, total := p.done, p.total
	if total == 0 && p.input != nil { // the bytes read instead
		done, total = uint64(p.input.read), uint64(p.input.size)
	}
	if total == 0 { // no bar without a total
		fmt.Fprintf(p.w, "\r%s %d events %.0f/s ", p.verb, p.done, rate)
		return
	}
	done = min(done, total)
	filled := int(done * barWidth / total)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled)
	fmt.Fprintf(p.w, "\r[%s] %3d%% %d events %.0f/s ", bar, done*100/total, p.done, rate)
}
