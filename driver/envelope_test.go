package driver_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

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
			e := sentEvent()
			tc.change(&e)
			err := driver.CheckEnvelope(&e)
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
