package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/heraldtest"
)

// TestEventsHaveSamples checks that every event of the chat has a sample
// that its JSON Schema accepts.
func TestEventsHaveSamples(t *testing.T) {
	r, err := defineEvents()
	require.NoError(t, err)
	heraldtest.CheckRegistry(t, r)
}
