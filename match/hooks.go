package match

import "github.com/herald-go/herald/internal/hook"

// The root's JSON encoding of strings and labels, which Path.Value writes
// objects with, byte for byte as herald.Event.MarshalJSON does.
var (
	appendString = hook.AppendString
	appendLabels = hook.AppendLabels
)
