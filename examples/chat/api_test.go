package main

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

// TestAPIServesTheChatsEvents reads the log through the API mounted at
// /api: an anonymous caller gets the message's public events, oldest
// first, and not its star.
func TestAPIServesTheChatsEvents(t *testing.T) {
	base := startChat(t)
	status, answer := post(t, base+"/messages?user=jane", `{"text":"hi"}`)
	require.Equal(t, http.StatusOK, status, answer)
	id, _ := answer["id"].(string)
	for _, path := range []string{"/messages/" + id + "/like?user=john", "/messages/" + id + "/star?user=jane"} {
		status, answer = post(t, base+path, "")
		require.Equal(t, http.StatusOK, status, answer)
	}

	res, err := http.Get(base + "/api/events?order=asc")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var page struct{ Results []herald.Event }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
	var names []string
	for _, e := range page.Results {
		if e.Aggregate.ID.String() == id {
			names = append(names, e.FullName())
		}
	}
	assert.Equal(t, []string{"communication.message.sent", "communication.message.liked"}, names)
}
