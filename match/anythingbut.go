package match

import (
	"fmt"

	"github.com/herald-go/herald/internal/excerpt"
)

// compileAnythingBut compiles the operand of anything-but: a string, a
// number, a non-empty list of them, or one prefix, suffix,
// equals-ignore-case or wildcard object over a string or a non-empty list
// of strings. The value must be there and match none of them.
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
		op, operand := arg.keys[0], arg.vals[0]
		switch op {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
		default:
			return leaf{}, patternErr(shown, "unknown operator "+excerpt.Quote(op)+" inside anything-but")
		}
		if operand.kind == jsonArray {
			not, err := stringLeaves(op, operand, append(shown[:len(shown):len(shown)], op))
			if err != nil {
				return leaf{}, err
			}
			l.not = not
			break
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

// stringLeaves compiles the list of strings of an operator inside
// anything-but, such as {"prefix": ["init", "tmp"]}: a leaf for each.
func stringLeaves(op string, list *jsonValue, shown []string) ([]leaf, error) {
	if len(list.items) == 0 {
		return nil, patternErr(shown, "is an empty list")
	}
	leaves := make([]leaf, 0, len(list.items))
	for i, item := range list.items {
		if item.kind != jsonString {
			return nil, patternErr(shown, fmt.Sprintf("item %d: want a string, got %s", i, item.kindName()))
		}
		leaves = append(leaves, stringLeaf(op, item.s))
	}
	return leaves, nil
}
