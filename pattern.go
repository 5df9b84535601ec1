package herald

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/herald-go/herald/internal/excerpt"
)

// Pattern is an event pattern in Amazon EventBridge's language, matched
// against an event's envelope in the JSON shape MarshalJSON writes
// ("context": {"name": …}, "aggregate": {"name": …, "id": …}, "name",
// "id", "type", "data", "user": {"id": …}, "metadata": {"timestamp",
// "position", "revision", "causationId", "correlationId", "labels": {…},
// "isAuthorized": {…}}). Build one with ParsePattern; it is immutable and
// safe for concurrent use.
//
// A pattern is a JSON object whose fields mirror the envelope's. A field
// holding an object goes one level down; a field holding a list is a
// condition that the event's value there must meet by matching one of the
// list's items. Fields the pattern does not name are ignored; every
// condition must hold. An item is one of:
//
//	"sent", 3, true, null          the value equals it
//	{"prefix": "ship"}             a string that starts with it
//	{"suffix": ".pdf"}             a string that ends with it
//	{"prefix": {"equals-ignore-case": "ship"}}   (and so for suffix)
//	{"equals-ignore-case": "EU"}   a string equal to it but for case
//	{"wildcard": "eu-*-prod"}      a string matching it, "*" standing for
//	                               any run of characters ("\\*" for a star)
//	{"anything-but": …}            a value that is there and does not match
//	                               the string, number, list of them, or
//	                               prefix, suffix, equals-ignore-case or
//	                               wildcard object given
//	{"numeric": [">", 0, "<=", 5]} a number in the range: "=" alone, or one
//	                               bound of ">" / ">=" and one of "<" / "<="
//	{"exists": true}               the field is there (false: it is not)
//
// A field "$or" holding a list of patterns holds when one of them does;
// they are read at the level the "$or" stands at. Where the event holds a
// list, a condition holds when it holds for one of its items.
//
// The envelope's fields are read from the Event struct directly, so
// matching them costs no encoding: "type" is "domain" when Type is empty,
// "user" is null for an anonymous event, "metadata.timestamp" is in Unix
// milliseconds, labels and isAuthorized are missing when empty or nil, and
// uuids are lowercase strings. Conditions on "data" are read from a JSON
// view of the payload: a json.RawMessage (or []byte) is decoded, a
// map[string]any and []any are walked as they are, and any other Go value
// is encoded to JSON and decoded once per match, so that struct fields go
// by their JSON names. Data conditions are checked after every envelope
// condition of their level has held, so events that fail on the envelope
// never pay for their data.
//
// Conditions on a field outside the envelope, such as "aggregate.kind",
// can never hold; ParsePattern refuses them.
type Pattern struct {
	src  string
	root patternAlt
}

// PatternError is the detail of ErrInvalid for a pattern that does not
// parse: the field where it is wrong, as a dotted path from the top of the
// pattern ("metadata.revision", "$or[1].name"), and why. The reason quotes
// a short prefix of a bad value, never the whole.
type PatternError struct {
	Field  string
	Reason string
}

// Error names the field and the reason. A field that is long or holds
// characters a message should not is quoted, cut to a short prefix.
func (e *PatternError) Error() string {
	if e.Field == "" {
		return "herald: invalid pattern: " + e.Reason
	}
	field := e.Field
	if len(field) > excerpt.MaxBytes || strconv.Quote(field) != `"`+field+`"` {
		field = excerpt.Quote(field)
	}
	return "herald: invalid pattern: field " + field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalid) true for a *PatternError.
func (e *PatternError) Is(target error) bool { return target == ErrInvalid }

// ParsePattern parses and compiles a pattern. Bad JSON, a pattern that is
// not an object, a field that is neither an object nor a list, an empty
// list, an unknown operator, an operand of the wrong type, an empty "$or"
// or a field outside the envelope is an error matching ErrInvalid; its
// *PatternError names the field.
func ParsePattern(b []byte) (*Pattern, error) {
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
// event; a nil e matches no pattern.
func (p *Pattern) Match(e *Event) bool {
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

func (a *patternAlt) match(e *Event, st *matchState) bool {
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
	path   EnvelopePath
	leaves []leaf
}

func (c *patternCond) match(e *Event, st *matchState) bool {
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
		return patternCond{path: EnvelopePath{field: fieldData, data: path[1:]}}, true
	}
	if !isFieldPath(path) {
		return patternCond{}, false
	}
	if f, ok := envelopeFieldsByPath[strings.Join(path, ".")]; ok {
		return patternCond{path: EnvelopePath{field: f}}, true
	}
	if len(path) == 3 && path[0] == "metadata" && path[1] == "labels" {
		return patternCond{path: EnvelopePath{field: fieldLabel, key: path[2]}}, true
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
	// are formatted), then the payload (which may be decoded).
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

// matchState holds what one Match call learned about the event's payload,
// so that conditions on data decode it once.
type matchState struct {
	data  any
	ready bool
}

// dataView returns the payload as generic JSON values, decoding it on the
// first call. Data that does not encode to JSON gives a missing value.
func (st *matchState) dataView(e *Event) any {
	if !st.ready {
		st.data, st.ready = jsonView(e.Data), true
	}
	return st.data
}

// missingData stands for a payload, or a part of one, that is not there.
type missingData struct{}

// jsonView returns v as generic JSON values where it is not one already:
// nil, bool, float64, string, []any, map[string]any, or json.Number-like
// Go numbers, which the walk understands too.
func jsonView(v any) any {
	switch d := v.(type) {
	case nil, string, bool, float64, map[string]any, []any:
		return v
	case json.RawMessage:
		return decodeView(d)
	case []byte:
		return decodeView(d)
	}
	if _, ok := numberOf(v); ok {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return missingData{}
	}
	return decodeView(b)
}

func decodeView(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return missingData{}
	}
	return out
}

// numberOf returns v as a float64 when it is a Go number.
func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case int16:
		return float64(n), true
	case int8:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint64:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint8:
		return float64(n), true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// matchDataPath reports whether the payload's value at path meets one of
// leaves. Lists on the way, and at the end, hold when one item does.
func matchDataPath(v any, path []string, leaves []leaf) bool {
	for i, key := range path {
		switch x := jsonView(v).(type) {
		case map[string]any:
			child, ok := x[key]
			if !ok {
				return matchMissing(leaves)
			}
			v = child
		case []any:
			if len(x) == 0 {
				return matchMissing(leaves)
			}
			for _, item := range x {
				if matchDataPath(item, path[i:], leaves) {
					return true
				}
			}
			return false
		default:
			return matchMissing(leaves)
		}
	}
	v = jsonView(v)
	if list, ok := v.([]any); ok {
		there := value{kind: kindArray}
		for i := range leaves {
			l := &leaves[i]
			if l.op == opExists || l.op == opNotExists {
				if l.match(&there) {
					return true
				}
				continue
			}
			for _, item := range list {
				iv := scalarValue(jsonView(item))
				if l.match(&iv) {
					return true
				}
			}
		}
		return false
	}
	sv := scalarValue(v)
	return matchLeaves(leaves, &sv)
}

func matchMissing(leaves []leaf) bool {
	missing := value{}
	return matchLeaves(leaves, &missing)
}

// scalarValue returns the value a leaf sees for a generic JSON value.
func scalarValue(v any) value {
	switch x := v.(type) {
	case nil:
		return value{kind: kindNull}
	case string:
		return stringValue(x)
	case bool:
		return boolValue(x)
	case map[string]any:
		return value{kind: kindObject}
	case []any:
		return value{kind: kindArray}
	case missingData:
		return value{}
	}
	if n, ok := numberOf(v); ok {
		return numberValue(n)
	}
	return value{kind: kindObject}
}

// jsonKind is the kind of a parsed pattern value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value that keeps the order of object keys,
// so errors name fields in the order they were written.
type jsonValue struct {
	kind  jsonKind
	b     bool
	n     float64
	s     string
	items []*jsonValue
	keys  []string
	vals  []*jsonValue
}

func (v *jsonValue) kindName() string {
	return [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}[v.kind]
}

func parsePatternJSON(b []byte) (*jsonValue, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the pattern object")
	}
	return v, nil
}

// maxPatternDepth is how deep lists and objects may nest in a pattern, as
// in encoding/json: a pattern is read by recursion, as it is compiled and
// matched, so a deeper one would exhaust the stack.
const maxPatternDepth = 10000

// readJSONValue reads the value that comes next, depth lists and objects
// down.
func readJSONValue(dec *json.Decoder, depth int) (*jsonValue, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("empty pattern")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &jsonValue{kind: jsonNull}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	case json.Number:
		n, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			// err quotes the number whole; say why only.
			return nil, fmt.Errorf("number %s: %w", excerpt.Text(string(t)), errors.Unwrap(err))
		}
		return &jsonValue{kind: jsonNumber, n: n}, nil
	case string:
		return &jsonValue{kind: jsonString, s: t}, nil
	case json.Delim:
		if depth == maxPatternDepth {
			return nil, fmt.Errorf("lists and objects nested more than %d deep", maxPatternDepth)
		}
		if t == '[' {
			v := &jsonValue{kind: jsonArray}
			for dec.More() {
				item, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.items = append(v.items, item)
			}
			_, err := dec.Token()
			return v, err
		}
		v := &jsonValue{kind: jsonObject}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := tok.(string)
			for _, k := range v.keys {
				if k == key {
					return nil, fmt.Errorf("field %s appears twice", excerpt.Quote(key))
				}
			}
			val, err := readJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			v.keys, v.vals = append(v.keys, key), append(v.vals, val)
		}
		_, err := dec.Token()
		return v, err
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
