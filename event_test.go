package herald_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald"
)

func TestAuthorizationAllows(t *testing.T) {
	var (
		jane      = &herald.User{ID: "jane.doe@example.com"}
		john      = &herald.User{ID: "john.doe@example.com"}
		noID      = &herald.User{}
		anonymous *herald.User
	)
	ownedBy := func(owner string, forAuthenticated, forPublic bool) *herald.Authorization {
		return &herald.Authorization{Owner: owner, ForAuthenticated: forAuthenticated, ForPublic: forPublic}
	}
	for _, tc := range []struct {
		name string
		auth *herald.Authorization
		user *herald.User
		want bool
	}{
		{"no block, anonymous", nil, anonymous, false},
		{"no block, user without id", nil, noID, false},
		{"no block, signed in", nil, john, false},
		{"public, anonymous", ownedBy("jane.doe@example.com", false, true), anonymous, true},
		{"public, user without id", ownedBy("jane.doe@example.com", false, true), noID, true},
		{"public, other user", ownedBy("jane.doe@example.com", false, true), john, true},
		{"authenticated, other user", ownedBy("jane.doe@example.com", true, false), john, true},
		{"authenticated, owner", ownedBy("jane.doe@example.com", true, false), jane, true},
		{"authenticated, anonymous", ownedBy("jane.doe@example.com", true, false), anonymous, false},
		{"authenticated, user without id", ownedBy("jane.doe@example.com", true, false), noID, false},
		{"owner only, owner", ownedBy("jane.doe@example.com", false, false), jane, true},
		{"owner only, other user", ownedBy("jane.doe@example.com", false, false), john, false},
		{"owner only, anonymous", ownedBy("jane.doe@example.com", false, false), anonymous, false},
		{"owner only, user without id", ownedBy("jane.doe@example.com", false, false), noID, false},
		{"no owner, anonymous", ownedBy("", false, false), anonymous, false},
		{"no owner, user without id", ownedBy("", false, false), noID, false},
		{"no owner, signed in", ownedBy("", false, false), john, false},
		{"no owner, authenticated, signed in", ownedBy("", true, false), john, true},
		{"no owner, authenticated, user without id", ownedBy("", true, false), noID, false},
		{"empty block, anonymous", &herald.Authorization{}, anonymous, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.auth.Allows(tc.user))
		})
	}
}

func TestEventFullName(t *testing.T) {
	e := fullEnvelopeEvent()
	assert.Equal(t, "communication.message.sent", e.FullName())
	assert.Equal(t, "..", (&herald.Event{}).FullName())
}

func TestAggregateRefString(t *testing.T) {
	assert.Equal(t, "communication.message.0b866be9-f83c-4501-a54f-fa3facb582c5",
		fullEnvelopeEvent().Aggregate.String())
	assert.Equal(t, "..00000000-0000-0000-0000-000000000000", herald.AggregateRef{}.String())
}
