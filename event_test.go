package herald_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestCheckEnvelope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*herald.Event)
		field  string
		reason string
	}{
		{"complete", func(*herald.Event) {}, "", ""},
		{"no context", func(e *herald.Event) { e.Aggregate.Context = "" }, "context.name", "is empty"},
		{"no aggregate name", func(e *herald.Event) { e.Aggregate.Name = "" }, "aggregate.name", "is empty"},
		{"no name", func(e *herald.Event) { e.Name = "" }, "name", "is empty"},
		{"nil aggregate id", func(e *herald.Event) { e.Aggregate.ID = uuid.Nil }, "aggregate.id", "is the nil uuid"},
		{"nil id", func(e *herald.Event) { e.ID = uuid.Nil }, "id", "is the nil uuid"},
		{"dotted context", func(e *herald.Event) { e.Aggregate.Context = "a.b" }, "context.name", `"a.b" contains a dot`},
		{"dotted aggregate name", func(e *herald.Event) { e.Aggregate.Name = "b.c" }, "aggregate.name", `"b.c" contains a dot`},
		{"dotted name", func(e *herald.Event) { e.Name = "c.d" }, "name", `"c.d" contains a dot`},
		{"nothing set names the context first", func(e *herald.Event) { *e = herald.Event{} }, "context.name", "is empty"},
		{"only user and metadata missing", func(e *herald.Event) {
			e.User, e.Data, e.Type, e.Metadata = nil, nil, "", herald.Metadata{}
		}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := fullEnvelopeEvent()
			tc.change(&e)
			err := herald.CheckEnvelope(&e)
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			var ve *herald.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
			assert.Equal(t, tc.reason, ve.Reason)
			assert.Equal(t, e.FullName(), ve.Event)
			assert.Contains(t, err.Error(), ": "+tc.field+": "+tc.reason)
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
