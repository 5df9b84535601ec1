package herald_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
)

// TestSchemaNilAndZeroArguments calls the schema's functions and methods
// with nil and zero arguments, as TestNilAndZeroArguments does the rest.
func TestSchemaNilAndZeroArguments(t *testing.T) {
	nilargs.Run(t, []nilargs.Case{
		{Name: "Define(r, names, WithSchema(nil))", Want: herald.ErrInvalid, Names: "WithSchema", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent", herald.WithSchema(nil))
			return err
		}},
		{Name: "valid: (*Definition)(nil).Schema() is nil", Call: func(t *testing.T) error {
			assert.Nil(t, (*herald.Definition)(nil).Schema())
			return nil
		}},
		{Name: "(*Definition)(nil).ValidateJSON(nil)", Want: herald.ErrInvalid, Names: "not valid JSON", Call: func(*testing.T) error {
			return (*herald.Definition)(nil).ValidateJSON(nil)
		}},
		{Name: "valid: (*Definition)(nil).ValidateJSON(`{}`) accepts any JSON", Call: func(*testing.T) error {
			return (*herald.Definition)(nil).ValidateJSON([]byte(`{}`))
		}},
		{Name: "valid: (*Definition)(nil).ValidateSample() has no sample to refuse", Call: func(*testing.T) error {
			return (*herald.Definition)(nil).ValidateSample()
		}},
		{Name: "(*Registry)(nil).AsyncAPI(AsyncAPIInfo{})", Want: herald.ErrInvalid, Names: "title", Call: func(*testing.T) error {
			_, err := (*herald.Registry)(nil).AsyncAPI(herald.AsyncAPIInfo{})
			return err
		}},
		{Name: "valid: (*SchemaError)(nil).Error() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, (*herald.SchemaError)(nil).Error())
			assert.Empty(t, (&herald.SchemaError{}).Error())
			return nil
		}},
		{Name: "valid: SchemaFailure{}.String() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, herald.SchemaFailure{}.String())
			return nil
		}},
	})
}
