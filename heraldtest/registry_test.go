package heraldtest_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/heraldtest"
)

// recorder is a testing.TB that keeps the failures reported to it.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

type sent struct {
	Text string `json:"text" jsonschema:"minLength=1"`
}

type liked struct {
	By string `json:"by"`
}

func check(r *herald.Registry) []string {
	var rec recorder
	heraldtest.CheckRegistry(&rec, r)
	return rec.failures
}

func TestCheckRegistryPasses(t *testing.T) {
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[sent](r, "communication", "message", "sent", herald.WithSample(sent{Text: "hi"}))
	require.NoError(t, err)
	_, err = herald.Define[liked](r, "communication", "message", "liked", herald.WithSample(liked{By: "jane"}))
	require.NoError(t, err)
	assert.Empty(t, check(r))
	heraldtest.CheckRegistry(t, r)
}

func TestCheckRegistryFails(t *testing.T) {
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[sent](r, "communication", "message", "sent", herald.WithSample(sent{}))
	require.NoError(t, err)
	_, err = herald.Define[liked](r, "communication", "message", "liked")
	require.NoError(t, err)
	_, err = herald.Define[liked](r, "communication", "message", "starred", herald.WithSample(liked{}))
	require.NoError(t, err)

	failures := check(r)
	require.Len(t, failures, 2, "%q", failures)
	assert.Equal(t, "heraldtest: event communication.message.liked has no sample: give it one with herald.WithSample", failures[0])
	assert.Contains(t, failures[1], "heraldtest: event communication.message.sent: the sample does not pass the schema: ")
	assert.Contains(t, failures[1], "/text: minLength: got 0, want 1")
}

func TestCheckRegistryFailsWithoutDefinitions(t *testing.T) {
	empty, err := herald.NewRegistry()
	require.NoError(t, err)
	for _, r := range []*herald.Registry{nil, empty} {
		assert.Equal(t, []string{"heraldtest: the registry defines no event"}, check(r))
	}
}
