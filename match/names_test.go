package match_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

func TestParseNames(t *testing.T) {
	e := herald.Event{Aggregate: herald.AggregateRef{Context: "communication", Name: "message"}, Name: "sent"}
	cases := []struct {
		patterns []string
		match    bool
	}{
		{nil, true},
		{[]string{"communication.message.sent"}, true},
		{[]string{"communication.message.*"}, true},
		{[]string{"*.*.sent"}, true},
		{[]string{"*.*.*"}, true},
		{[]string{"communication.message.liked"}, false},
		{[]string{"planning.*.*"}, false},
		{[]string{"planning.*.*", "*.message.sent"}, true},
	}
	for _, c := range cases {
		m, err := match.ParseNames(c.patterns...)
		require.NoError(t, err)
		assert.Equal(t, c.match, m.Match(&e), "%v", c.patterns)
	}
	for _, bad := range []string{"", "communication", "communication.message", "a.b.c.d", "a..c", "a.b*.c"} {
		_, err := match.ParseNames(bad)
		assert.ErrorIs(t, err, herald.ErrInvalid, "%q", bad)
	}
	m, err := match.ParseNames("communication.*.sent", "a.b.c")
	require.NoError(t, err)
	assert.Equal(t, "communication.*.sent,a.b.c", m.String())
}
