package match_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/match"
)

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	valid := herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()},
		Name:      "sent",
		ID:        uuid.New(),
		Data:      map[string]any{"text": "hello"},
	}

	nilargs.Run(t, []nilargs.Case{
		// Paths.
		{Name: "ParsePath(\"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := match.ParsePath("")
			return err
		}},
		{Name: "valid: Path{} is data", Call: func(t *testing.T) error {
			keys, ok := match.Path{}.DataPath()
			assert.Empty(t, keys)
			assert.True(t, ok)
			return nil
		}},
		{Name: "valid: Path{}.Value(nil) has none", Call: func(t *testing.T) error {
			v, ok := match.Path{}.Value(nil)
			assert.Nil(t, v)
			assert.False(t, ok)
			return nil
		}},
		{Name: "valid: Path(\"name\").Value(nil) has none", Call: func(t *testing.T) error {
			p, err := match.ParsePath("name")
			require.NoError(t, err)
			v, ok := p.Value(nil)
			assert.Nil(t, v)
			assert.False(t, ok)
			return nil
		}},

		// Filters, names and patterns.
		{Name: "valid: NewFilter(nil, \"\") matches every event", Call: func(t *testing.T) error {
			filter, err := match.NewFilter(nil, "")
			assert.True(t, filter.Match(&valid))
			assert.Equal(t, "*.*.*", filter.String())
			return err
		}},
		{Name: "NewFilter([]string{\"\"}, \"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := match.NewFilter([]string{""}, "")
			return err
		}},
		{Name: "valid: Filter{}.Match(nil) is false, of no event", Call: func(t *testing.T) error {
			var filter match.Filter
			assert.False(t, filter.Match(nil))
			assert.True(t, filter.Match(&herald.Event{}))
			assert.Equal(t, "*.*.*", filter.Events())
			assert.Empty(t, filter.Pattern())
			return nil
		}},
		{Name: "valid: (*Filter)(nil).Match(e) matches as the zero Filter", Call: func(t *testing.T) error {
			assert.True(t, (*match.Filter)(nil).Match(&valid))
			assert.False(t, (*match.Filter)(nil).Match(nil))
			return nil
		}},
		{Name: "valid: a Filter with names and a pattern matches no nil event", Call: func(t *testing.T) error {
			filter, err := match.NewFilter([]string{"communication.message.sent"}, `{"data":{"text":["hello"]}}`)
			require.NoError(t, err)
			assert.False(t, filter.Match(nil))
			assert.True(t, filter.Match(&valid))
			return nil
		}},
		{Name: "valid: ParseNames() matches every event", Call: func(t *testing.T) error {
			m, err := match.ParseNames()
			assert.True(t, m.Match(&herald.Event{}))
			assert.Equal(t, "*.*.*", m.String())
			return err
		}},
		{Name: "ParseNames(\"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := match.ParseNames("")
			return err
		}},
		{Name: "valid: Names{}.Match(nil) is false", Call: func(t *testing.T) error {
			assert.False(t, match.Names{}.Match(nil))
			m, err := match.ParseNames("*.*.sent")
			require.NoError(t, err)
			assert.False(t, m.Match(nil))
			return nil
		}},
		{Name: "ParsePattern(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := match.ParsePattern(nil)
			return err
		}},
		{Name: "valid: (*Pattern)(nil) matches every event", Call: func(t *testing.T) error {
			var p *match.Pattern
			assert.True(t, p.Match(&valid))
			assert.Empty(t, p.String())
			return nil
		}},
		{Name: "valid: Pattern.Match(nil) is false", Call: func(t *testing.T) error {
			p, err := match.ParsePattern([]byte(`{"data":{"text":[{"exists":false}]}}`))
			require.NoError(t, err)
			assert.False(t, p.Match(nil))
			return nil
		}},
		{Name: "valid: PatternError{}.Error() says invalid", Call: func(t *testing.T) error {
			assert.NotEmpty(t, (&match.PatternError{}).Error())
			assert.ErrorIs(t, &match.PatternError{}, herald.ErrInvalid)
			return nil
		}},
	})
}
