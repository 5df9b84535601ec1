package match

import "github.com/herald-go/herald/internal/hook"

// The root's JSON encoding of strings and labels, which Path.Value writes
// objects with, byte for byte as herald.Event.MarshalJSON does.
var (
	appendString = hook.AppendString
	appendLabels = hook.AppendLabels
)

// The root's durable subscriptions filter with NewFilter, which it cannot
// import.
func init() {
	hook.NewFilter = func(events []string, pattern string) (any, error) {
		f, err := NewFilter(events, pattern)
		if err != nil {
			return nil, err
		}
		return &f, nil
	}
}
