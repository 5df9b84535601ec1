package match

import (
	"strconv"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// PatternError is the detail of [herald.ErrInvalid] for a pattern that does not
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
		return "pattern: " + e.Reason + ": " + herald.ErrInvalid.Error()
	}
	field := e.Field
	if len(field) > excerpt.MaxBytes || strconv.Quote(field) != `"`+field+`"` {
		field = excerpt.Quote(field)
	}
	return "pattern: field " + field + ": " + e.Reason + ": " + herald.ErrInvalid.Error()
}

// Is makes errors.Is(err, [herald.ErrInvalid]) true for a *PatternError.
func (e *PatternError) Is(target error) bool { return target == herald.ErrInvalid }
