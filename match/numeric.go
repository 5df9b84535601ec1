package match

import (
	"fmt"

	"github.com/herald-go/herald/internal/excerpt"
)

// numericRange is a numeric condition: lo < n < hi, or lo <= n where
// loIncl, and so on; hasLo and hasHi tell which bounds there are.
type numericRange struct {
	lo, hi         float64
	hasLo, hasHi   bool
	loIncl, hiIncl bool
}

func (r *numericRange) contains(n float64) bool {
	if r.hasLo && (n < r.lo || (n == r.lo && !r.loIncl)) {
		return false
	}
	if r.hasHi && (n > r.hi || (n == r.hi && !r.hiIncl)) {
		return false
	}
	return true
}

// compileNumeric compiles ["=", n] or up to two comparisons, one lower
// bound and one upper.
func compileNumeric(arg *jsonValue, shown []string) (numericRange, error) {
	var r numericRange
	if arg.kind != jsonArray {
		return r, patternErr(shown, "want a list of operators and numbers, got "+arg.kindName())
	}
	items := arg.items
	if len(items) != 2 && len(items) != 4 {
		return r, patternErr(shown, fmt.Sprintf("want one or two pairs of operator and number, got %d items", len(items)))
	}
	for i := 0; i < len(items); i += 2 {
		op, n := items[i], items[i+1]
		if op.kind != jsonString {
			return r, patternErr(shown, fmt.Sprintf("item %d: want an operator, got %s", i, op.kindName()))
		}
		if n.kind != jsonNumber {
			return r, patternErr(shown, fmt.Sprintf("item %d: want a number after %s, got %s", i+1, excerpt.Quote(op.s), n.kindName()))
		}
		switch op.s {
		case "=":
			if len(items) != 2 {
				return r, patternErr(shown, `"=" stands alone`)
			}
			r = numericRange{lo: n.n, hi: n.n, hasLo: true, hasHi: true, loIncl: true, hiIncl: true}
		case ">", ">=":
			if r.hasLo {
				return r, patternErr(shown, "two lower bounds")
			}
			r.lo, r.hasLo, r.loIncl = n.n, true, op.s == ">="
		case "<", "<=":
			if r.hasHi {
				return r, patternErr(shown, "two upper bounds")
			}
			r.hi, r.hasHi, r.hiIncl = n.n, true, op.s == "<="
		default:
			return r, patternErr(shown, "unknown comparison "+excerpt.Quote(op.s))
		}
	}
	return r, nil
}
