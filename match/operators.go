package match

import (
	"fmt"
	"strings"

	"github.com/herald-go/herald/internal/excerpt"
)

// leafOp is what a leaf checks.
type leafOp uint8

const (
	opEqualString leafOp = iota
	opEqualNumber
	opEqualBool
	opEqualNull
	opPrefix
	opSuffix
	opPrefixFold
	opSuffixFold
	opEqualFold
	opWildcard
	opAnythingBut
	opNumeric
	opExists
	opNotExists
)

// leaf is one item of a condition's list.
type leaf struct {
	op    leafOp
	s     string
	n     float64
	b     bool
	parts []string // wildcard: the literal parts between stars
	rng   numericRange
	not   []leaf // anything-but: what the value must not match
}

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

func matchLeaves(leaves []leaf, v *value) bool {
	for i := range leaves {
		if leaves[i].match(v) {
			return true
		}
	}
	return false
}

func (l *leaf) match(v *value) bool {
	switch l.op {
	case opEqualString:
		return v.kind == kindString && v.s == l.s
	case opEqualNumber:
		return v.kind == kindNumber && v.n == l.n
	case opEqualBool:
		return v.kind == kindBool && v.b == l.b
	case opEqualNull:
		return v.kind == kindNull
	case opPrefix:
		return v.kind == kindString && strings.HasPrefix(v.s, l.s)
	case opSuffix:
		return v.kind == kindString && strings.HasSuffix(v.s, l.s)
	case opPrefixFold:
		return v.kind == kindString && len(v.s) >= len(l.s) && strings.EqualFold(v.s[:len(l.s)], l.s)
	case opSuffixFold:
		return v.kind == kindString && len(v.s) >= len(l.s) && strings.EqualFold(v.s[len(v.s)-len(l.s):], l.s)
	case opEqualFold:
		return v.kind == kindString && strings.EqualFold(v.s, l.s)
	case opWildcard:
		return v.kind == kindString && matchWildcard(l.parts, v.s)
	case opAnythingBut:
		return v.kind != kindMissing && !matchLeaves(l.not, v)
	case opNumeric:
		return v.kind == kindNumber && l.rng.contains(v.n)
	case opExists:
		return v.kind != kindMissing
	case opNotExists:
		return v.kind == kindMissing
	}
	return false
}

// matchWildcard reports whether s matches the parts of a wildcard pattern:
// parts[0] at the start, the last part at the end and the ones between in
// order, stars standing between them.
func matchWildcard(parts []string, s string) bool {
	if len(parts) == 1 {
		return s == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// compileLeaves compiles the list of a condition.
func compileLeaves(v *jsonValue, shown []string) ([]leaf, error) {
	if len(v.items) == 0 {
		return nil, patternErr(shown, "is an empty list, which matches nothing")
	}
	leaves := make([]leaf, 0, len(v.items))
	for _, item := range v.items {
		l, err := compileLeaf(item, shown)
		if err != nil {
			return nil, err
		}
		leaves = append(leaves, l)
	}
	return leaves, nil
}

func compileLeaf(v *jsonValue, shown []string) (leaf, error) {
	switch v.kind {
	case jsonString:
		return leaf{op: opEqualString, s: v.s}, nil
	case jsonNumber:
		return leaf{op: opEqualNumber, n: v.n}, nil
	case jsonBool:
		return leaf{op: opEqualBool, b: v.b}, nil
	case jsonNull:
		return leaf{op: opEqualNull}, nil
	case jsonArray:
		return leaf{}, patternErr(shown, "a list inside a list is not a value to match")
	}
	if len(v.keys) != 1 {
		return leaf{}, patternErr(shown, fmt.Sprintf("an operator object must have exactly one operator, has %d", len(v.keys)))
	}
	op, arg := v.keys[0], v.vals[0]
	opShown := append(shown[:len(shown):len(shown)], op)
	switch op {
	case "prefix", "suffix":
		return compileAffix(op, arg, opShown)
	case "equals-ignore-case":
		s, err := stringOperand(arg, opShown)
		return leaf{op: opEqualFold, s: s}, err
	case "wildcard":
		s, err := stringOperand(arg, opShown)
		if err != nil {
			return leaf{}, err
		}
		return leaf{op: opWildcard, parts: wildcardParts(s)}, nil
	case "anything-but":
		return compileAnythingBut(arg, opShown)
	case "numeric":
		rng, err := compileNumeric(arg, opShown)
		return leaf{op: opNumeric, rng: rng}, err
	case "exists":
		if arg.kind != jsonBool {
			return leaf{}, patternErr(opShown, "want true or false, got "+arg.kindName())
		}
		if arg.b {
			return leaf{op: opExists}, nil
		}
		return leaf{op: opNotExists}, nil
	}
	return leaf{}, patternErr(shown, "unknown operator "+excerpt.Quote(op))
}

func stringOperand(v *jsonValue, shown []string) (string, error) {
	if v.kind != jsonString {
		return "", patternErr(shown, "want a string, got "+v.kindName())
	}
	return v.s, nil
}

// compileAffix compiles prefix or suffix, with a string or
// {"equals-ignore-case": string}.
func compileAffix(op string, arg *jsonValue, shown []string) (leaf, error) {
	plain, fold := opPrefix, opPrefixFold
	if op == "suffix" {
		plain, fold = opSuffix, opSuffixFold
	}
	if arg.kind == jsonObject && len(arg.keys) == 1 && arg.keys[0] == "equals-ignore-case" {
		s, err := stringOperand(arg.vals[0], append(shown[:len(shown):len(shown)], "equals-ignore-case"))
		return leaf{op: fold, s: s}, err
	}
	if arg.kind != jsonString {
		return leaf{}, patternErr(shown, `want a string or {"equals-ignore-case": string}, got `+arg.kindName())
	}
	return leaf{op: plain, s: arg.s}, nil
}

// wildcardParts splits a wildcard pattern at its unescaped stars: "\*"
// stands for a star and "\\" for a backslash.
func wildcardParts(s string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\'):
			cur.WriteByte(s[i+1])
			i++
		case c == '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

// compileAnythingBut compiles the operand of anything-but: a string, a
// number, a non-empty list of them, or one prefix, suffix,
// equals-ignore-case or wildcard object.
func compileAnythingBut(arg *jsonValue, shown []string) (leaf, error) {
	l := leaf{op: opAnythingBut}
	switch arg.kind {
	case jsonString, jsonNumber:
		inner, _ := compileLeaf(arg, shown)
		l.not = []leaf{inner}
	case jsonArray:
		if len(arg.items) == 0 {
			return leaf{}, patternErr(shown, "is an empty list")
		}
		for _, item := range arg.items {
			if item.kind != jsonString && item.kind != jsonNumber {
				return leaf{}, patternErr(shown, "want a list of strings and numbers, has "+item.kindName())
			}
			inner, _ := compileLeaf(item, shown)
			l.not = append(l.not, inner)
		}
	case jsonObject:
		if len(arg.keys) != 1 {
			return leaf{}, patternErr(shown, "want one of prefix, suffix, equals-ignore-case or wildcard")
		}
		switch arg.keys[0] {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
		default:
			return leaf{}, patternErr(shown, "unknown operator "+excerpt.Quote(arg.keys[0])+" inside anything-but")
		}
		inner, err := compileLeaf(arg, shown)
		if err != nil {
			return leaf{}, err
		}
		l.not = []leaf{inner}
	default:
		return leaf{}, patternErr(shown, "want a string, a number, a list of them or an operator object, got "+arg.kindName())
	}
	return l, nil
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
