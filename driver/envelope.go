package driver

import (
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/hook"
)

// checkEnvelope is the check a herald.Publisher makes.
var checkEnvelope = hook.CheckEnvelope.(func(*herald.Event) error)

// CheckEnvelope reports what makes e unfit to store: an empty context,
// aggregate or event name, a dot in one of them, a nil aggregate or event
// id, or a version of the data (Metadata.Version) below 0 or above
// math.MaxInt32. The error is a *[herald.ValidationError] naming the
// field, for a nil e too. A store calls it on every event it appends; a
// [herald.Publisher] makes the same check before it appends.
func CheckEnvelope(e *herald.Event) error {
	return checkEnvelope(e)
}
