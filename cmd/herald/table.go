package main

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table writes aligned columns, two spaces apart; a column whose cells
// (below the header) are all whole numbers is aligned right.
type table struct {
	w    io.Writer
	rows [][]string
}

// newTable returns a table whose first row is header.
func newTable(w io.Writer, header ...string) *table {
	return &table{w: w, rows: [][]string{header}}
}

// row adds a row of cells.
func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// flush writes the table.
func (t *table) flush() error {
	widths, right := t.layout()
	var b strings.Builder
	for _, cells := range t.rows {
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case right[i]:
				b.WriteString(pad + c)
			case i < len(cells)-1:
				b.WriteString(c + pad)
			default: // no spaces at the end of a line
				b.WriteString(c)
			}
			if i < len(cells)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// layout returns the width of each column, and which are numbers.
func (t *table) layout() (widths []int, right []bool) {
	n := len(t.rows[0])
	widths, right = make([]int, n), make([]bool, n)
	for i := range right {
		right[i] = len(t.rows) > 1
	}
	for r, cells := range t.rows {
		for i, c := range cells {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
			if r > 0 && !isNumber(c) {
				right[i] = false
			}
		}
	}
	return widths, right
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
