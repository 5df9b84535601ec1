package match_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

func TestNewFilter(t *testing.T) {
	f, err := match.NewFilter([]string{"communication.*.*"}, `{"name":["sent"]}`)
	require.NoError(t, err)
	e := patternEvent()
	assert.True(t, f.Match(&e))
	e.Name = "liked"
	assert.False(t, f.Match(&e), "the pattern")
	e.Name, e.Aggregate.Context = "sent", "planning"
	assert.False(t, f.Match(&e), "the names")
	assert.Equal(t, `communication.*.* {"name":["sent"]}`, f.String())

	_, err = match.NewFilter(nil, `{"name":[]}`)
	assert.ErrorIs(t, err, herald.ErrInvalid)
	_, err = match.NewFilter([]string{"a.b"}, "")
	assert.ErrorIs(t, err, herald.ErrInvalid)
	var zero match.Filter
	assert.True(t, zero.Match(&e))
	assert.Equal(t, "*.*.*", zero.String())
}
