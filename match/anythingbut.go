package match

import "github.com/herald-go/herald/internal/excerpt"

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
