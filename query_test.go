package herald_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

func TestQuerySinceAfterUntilNamesBothTimes(t *testing.T) {
	since := time.Now() // carries a monotonic clock reading
	until := since.Add(-time.Hour)
	_, err := herald.Query{Since: since, Until: until}.Prepare()
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.NotContains(t, err.Error(), "m=", "the monotonic clock reading is no one's business")
	assert.Contains(t, err.Error(), since.Format(time.RFC3339Nano))
	assert.Contains(t, err.Error(), until.Format(time.RFC3339Nano))
}
