package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/memstore"
)

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says. The herald.Store methods are nilargs.StoreCases.
func TestNilAndZeroArguments(t *testing.T) {
	s := memstore.New()
	t.Cleanup(func() { s.Close() })
	nilargs.Run(t, append(nilargs.StoreCases(s), []nilargs.Case{
		{Name: "valid: New(nil) ignores the nil option", Call: func(t *testing.T) error {
			assert.NotNil(t, memstore.New(nil))
			return nil
		}},
		{Name: "valid: WithCapacity(-1) is taken as 0", Call: func(t *testing.T) error {
			assert.NotNil(t, memstore.New(memstore.WithCapacity(-1)))
			return nil
		}},
		{Name: "valid: Store.Close() of a closed store does nothing", Call: func(t *testing.T) error {
			closed := memstore.New()
			assert.NoError(t, closed.Close())
			return closed.Close()
		}},
	}...))
}
