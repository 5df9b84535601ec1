package match

import (
	"fmt"
	"net/netip"
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
	opCIDR
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
	not   []leaf       // anything-but: what the value must not match
	cidr  netip.Prefix // cidr: the prefix, masked
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
	case opCIDR:
		return v.kind == kindString && matchCIDR(l.cidr, v.s)
	case opExists:
		return v.kind != kindMissing
	case opNotExists:
		return v.kind == kindMissing
	}
	return false
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
	case "equals-ignore-case", "wildcard":
		s, err := stringOperand(arg, opShown)
		return stringLeaf(op, s), err
	case "anything-but":
		return compileAnythingBut(arg, opShown)
	case "numeric":
		rng, err := compileNumeric(arg, opShown)
		return leaf{op: opNumeric, rng: rng}, err
	case "cidr":
		return compileCIDR(arg, opShown)
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

// stringLeaf is the leaf of op, one of prefix, suffix, equals-ignore-case
// and wildcard, over s.
func stringLeaf(op, s string) leaf {
	switch op {
	case "prefix":
		return leaf{op: opPrefix, s: s}
	case "suffix":
		return leaf{op: opSuffix, s: s}
	case "equals-ignore-case":
		return leaf{op: opEqualFold, s: s}
	}
	return leaf{op: opWildcard, parts: wildcardParts(s)}
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
	if arg.kind == jsonObject && len(arg.keys) == 1 && arg.keys[0] == "equals-ignore-case" {
		fold := opPrefixFold
		if op == "suffix" {
			fold = opSuffixFold
		}
		s, err := stringOperand(arg.vals[0], append(shown[:len(shown):len(shown)], "equals-ignore-case"))
		return leaf{op: fold, s: s}, err
	}
	if arg.kind != jsonString {
		return leaf{}, patternErr(shown, `want a string or {"equals-ignore-case": string}, got `+arg.kindName())
	}
	return stringLeaf(op, arg.s), nil
}
