package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Pattern is a compiled event pattern in Amazon EventBridge's language, as
// the package documentation describes it, matched against an event's
// envelope in the shape [herald.Event.MarshalJSON] writes. Make one with
// [ParsePattern]; it is immutable and safe for concurrent use.
type Pattern struct {
	src  string
	root patternAlt
}

// ParsePattern parses and compiles a pattern. Bad JSON, a pattern that is
// not an object, a field that is neither an object nor a list, an empty
// list, an unknown operator, an operand of the wrong type, an empty "$or"
// or a field outside the envelope (such as "aggregate.kind", which no
// event has) is an error matching [herald.ErrInvalid]; its *[PatternError]
// names the field.
func ParsePattern(b []byte) (*Pattern, error) {
	p, err := parsePattern(b)
	if err != nil {
		return nil, prefix.Wrap("match", err)
	}
	return p, nil
}

// parsePattern is ParsePattern without the package prefix.
func parsePattern(b []byte) (*Pattern, error) {
	v, err := parsePatternJSON(b)
	if err != nil {
		return nil, &PatternError{Reason: err.Error()}
	}
	if v.kind != jsonObject {
		return nil, &PatternError{Reason: "want a JSON object, got " + v.kindName()}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, &PatternError{Reason: err.Error()}
	}
	p := &Pattern{src: compact.String()}
	if err := compileObject(v, nil, nil, &p.root); err != nil {
		return nil, err
	}
	return p, nil
}

// String returns the pattern as compact JSON.
func (p *Pattern) String() string {
	if p == nil {
		return ""
	}
	return p.src
}

// Match reports whether e matches the pattern. A nil pattern matches every
// event; a nil e matches no pattern. Conditions on data read e.Data as
// JSON: a json.RawMessage or []byte is decoded, a map[string]any or []any
// is walked as it is, and any other value is encoded once per call, so a
// struct's fields go by their JSON names; data that is not JSON is missing.
func (p *Pattern) Match(e *herald.Event) bool {
	if e == nil {
		return false
	}
	if p == nil {
		return true
	}
	var st matchState
	return p.root.match(e, &st)
}

// patternAlt is a conjunction: every condition holds, and in every $or
// group one alternative does.
type patternAlt struct {
	conds []patternCond
	ors   [][]patternAlt
}

func (a *patternAlt) match(e *herald.Event, st *matchState) bool {
	for i := range a.conds {
		if !a.conds[i].match(e, st) {
			return false
		}
	}
	for _, group := range a.ors {
		ok := false
		for j := range group {
			if group[j].match(e, st) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// patternCond is one condition: the value at a path matches one of the
// leaves.
type patternCond struct {
	path   Path
	leaves []leaf
}

func (c *patternCond) match(e *herald.Event, st *matchState) bool {
	if c.path.field == fieldData {
		return matchDataPath(st.dataView(e), c.path.data, c.leaves)
	}
	v := c.path.read(e)
	return matchLeaves(c.leaves, &v)
}

// resolveField maps a path of the envelope, one key to a segment, to the
// field it names. Below data and in the labels a key is taken whole. The
// condition's data path is path's own array.
func resolveField(path []string) (c patternCond, ok bool) {
	if len(path) > 0 && path[0] == "data" {
		return patternCond{path: Path{field: fieldData, data: path[1:]}}, true
	}
	if !isFieldPath(path) {
		return patternCond{}, false
	}
	if f, ok := envelopeFieldsByPath[strings.Join(path, ".")]; ok {
		return patternCond{path: Path{field: f}}, true
	}
	if len(path) == 3 && path[0] == "metadata" && path[1] == "labels" {
		return patternCond{path: Path{field: fieldLabel, key: path[2]}}, true
	}
	return patternCond{}, false
}

// compileObject compiles the fields of the pattern object v, found at the
// envelope path path (shown as shown in errors), into alt.
//
// Every level appends its key to one array, overwriting its siblings': a
// copy at each level would cost the square of the depth. A condition
// copies the path it keeps.
func compileObject(v *jsonValue, path, shown []string, alt *patternAlt) error {
	for i, key := range v.keys {
		val := v.vals[i]
		if key == "$or" {
			if err := compileOr(val, path, append(shown, key), alt); err != nil {
				return err
			}
			continue
		}
		fieldPath := append(path, key)
		fieldShown := append(shown, key)
		switch val.kind {
		case jsonObject:
			if _, ok := resolveField(fieldPath); !ok && !isEnvelopePrefix(fieldPath) {
				return patternErr(fieldShown, "is not a field of the event envelope")
			}
			if err := compileObject(val, fieldPath, fieldShown, alt); err != nil {
				return err
			}
		case jsonArray:
			c, ok := resolveField(fieldPath)
			if !ok {
				return patternErr(fieldShown, "is not a field of the event envelope")
			}
			leaves, err := compileLeaves(val, fieldShown)
			if err != nil {
				return err
			}
			c.path.data = slices.Clone(c.path.data)
			c.leaves = leaves
			alt.conds = append(alt.conds, c)
		default:
			return patternErr(fieldShown, "want a list of values or an object, got "+val.kindName())
		}
	}
	// Cheap conditions first, so that an event that fails one costs
	// little: plain fields, then labels (a map lookup), then uuids (which
	// are formatted), then the payload (which may be decoded), so events
	// that fail on the envelope never pay for their data.
	slices.SortStableFunc(alt.conds, func(a, b patternCond) int { return a.cost() - b.cost() })
	return nil
}

// cost ranks how much reading the condition's field costs.
func (c *patternCond) cost() int {
	switch c.path.field {
	case fieldLabel, fieldLabels:
		return 1
	case fieldAggregateID, fieldID, fieldCausationID, fieldCorrelationID:
		return 2
	case fieldData:
		return 3
	}
	return 0
}

// isFieldPath reports whether path can name a field outside data: each of
// its keys is one, not empty and without a dot, but for a label's key,
// which may hold dots.
func isFieldPath(path []string) bool {
	for i, key := range path {
		label := i == 2 && path[0] == "metadata" && path[1] == "labels"
		if key == "" || !label && strings.Contains(key, ".") {
			return false
		}
	}
	return true
}

// isEnvelopePrefix reports whether path leads to envelope fields below it.
func isEnvelopePrefix(path []string) bool {
	if !isFieldPath(path) {
		return false
	}
	prefix := strings.Join(path, ".") + "."
	for _, k := range envelopePaths {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func compileOr(v *jsonValue, path, shown []string, alt *patternAlt) error {
	if v.kind != jsonArray {
		return patternErr(shown, "want a list of patterns, got "+v.kindName())
	}
	if len(v.items) == 0 {
		return patternErr(shown, "is empty")
	}
	group := make([]patternAlt, len(v.items))
	for j, item := range v.items {
		itemShown := append(shown[:len(shown)-1], fmt.Sprintf("$or[%d]", j))
		if item.kind != jsonObject {
			return patternErr(itemShown, "want a pattern object, got "+item.kindName())
		}
		if err := compileObject(item, path, itemShown, &group[j]); err != nil {
			return err
		}
	}
	alt.ors = append(alt.ors, group)
	return nil
}

func patternErr(shown []string, reason string) error {
	return &PatternError{Field: strings.Join(shown, "."), Reason: reason}
}
