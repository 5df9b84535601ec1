package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/memstore"
)

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says. The herald.Store methods are nilargs.StoreCases.
func TestNilAndZeroArguments(t *testing.T) {
	s := newStore(t)
	nilargs.Run(t, append(nilargs.StoreCases(s), []nilargs.Case{
		{Name: "valid: New(nil) ignores the nil option", Call: func(t *testing.T) error {
			s, err := memstore.New(nil)
			assert.NotNil(t, s)
			return err
		}},
		{Name: "valid: WithCapacity(0) makes no room up front", Call: func(t *testing.T) error {
			_, err := memstore.New(memstore.WithCapacity(0))
			return err
		}},
		{Name: "WithCapacity(-1)", Want: herald.ErrInvalid, Names: "WithCapacity", Call: func(t *testing.T) error {
			s, err := memstore.New(memstore.WithCapacity(-1))
			assert.Nil(t, s)
			return err
		}},
		{Name: "valid: Store.Close() of a closed store does nothing", Call: func(t *testing.T) error {
			closed := newStore(t)
			assert.NoError(t, closed.Close())
			return closed.Close()
		}},
	}...))
}
