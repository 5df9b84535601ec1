package herald

import (
	"encoding/json"
	"fmt"
	"strings"
)

// asyncAPIKeys makes the keys of an AsyncAPI document's maps: characters
// AsyncAPI does not allow in a component's key become "_", and a key made
// twice gets a number.
type asyncAPIKeys map[string]bool

func newAsyncAPIKeys() asyncAPIKeys { return asyncAPIKeys{} }

// of returns the key of name, one that no earlier call returned.
func (k asyncAPIKeys) of(name string) string {
	key := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
	unique := key
	for n := 2; k[unique]; n++ {
		unique = fmt.Sprintf("%s_%d", key, n)
	}
	k[unique] = true
	return unique
}

// relocateSchema returns doc, the JSON Schema of the message key, as the
// schemas of the document's components: doc itself under key, without
// "$schema" and "$id", and each of its definitions ("$defs", or
// "definitions" of older drafts) under "key.name". References within doc
// are rewritten to point there.
func relocateSchema(key string, doc json.RawMessage) (map[string]any, error) {
	var root any = true
	if doc != nil {
		if err := json.Unmarshal(doc, &root); err != nil {
			return nil, fmt.Errorf("is not JSON: %w", err)
		}
	}
	out := map[string]any{key: root}
	obj, ok := root.(map[string]any)
	if !ok {
		return out, nil
	}
	delete(obj, "$schema")
	delete(obj, "$id")
	keys := newAsyncAPIKeys()
	moved := map[string]string{} // "#/$defs/name" to the component's key
	for _, member := range []string{"$defs", "definitions"} {
		defs, _ := obj[member].(map[string]any)
		for name, def := range defs {
			k := key + "." + keys.of(name)
			out[k] = def
			moved["#"+jsonPointer([]string{member, name})] = k
		}
		delete(obj, member)
	}
	walkSchema(out, func(node map[string]any) {
		if r, ok := node["$ref"].(string); ok {
			node["$ref"] = relocateRef(r, key, moved)
		}
	})
	return out, nil
}

// relocateRef is the reference r of the schema of the message key once its
// definitions moved to components as moved says.
func relocateRef(r, key string, moved map[string]string) string {
	if !strings.HasPrefix(r, "#") {
		return r
	}
	for from, to := range moved {
		if rest, ok := strings.CutPrefix(r, from); ok && (rest == "" || rest[0] == '/') {
			return "#" + jsonPointer([]string{"components", "schemas", to}) + rest
		}
	}
	return "#" + jsonPointer([]string{"components", "schemas", key}) + strings.TrimPrefix(r, "#")
}
