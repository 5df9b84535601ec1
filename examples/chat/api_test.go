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

	public := []string{"communication.message.sent", "communication.message.liked"}
	assert.Equal(t, public, apiNames(t, base, "", id))
	assert.Equal(t, public, apiNames(t, base, "john", id), "the star is jane's, not john's")
	assert.Equal(t, append(public, "communication.message.starred"), apiNames(t, base, "jane", id),
		"jane starred it, and sees her star")

	req, err := http.NewRequest(http.MethodGet, base+"/api/events", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer not a name")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a token that is no user's name")
}

// apiNames returns the names of message id's events that GET /api/events
// answers a caller with token, oldest first; "" asks anonymously.
func apiNames(t *testing.T, base, token, id string) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/events?order=asc", nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
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
	return names
}
