package memstore_test

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
)

// TestPersonalNilArguments calls DeleteUserKey with nil and zero
// arguments: bad input is an error matching herald.ErrInvalid, and a
// closed store's is herald.ErrClosed.
func TestPersonalNilArguments(t *testing.T) {
	s := newStore(t)
	closed := newStore(t)
	closed.Close()
	var nilCtx context.Context
	nilargs.Run(t, []nilargs.Case{
		{Name: "Store.DeleteUserKey(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.DeleteUserKey(nilCtx, "jane")
		}},
		{Name: "Store.DeleteUserKey(ctx, \"\")", Want: herald.ErrInvalid, Names: "user id", Call: func(t *testing.T) error {
			return s.DeleteUserKey(t.Context(), "")
		}},
		{Name: "Store.DeleteUserKey on a closed store", Want: herald.ErrClosed, Call: func(t *testing.T) error {
			return closed.DeleteUserKey(t.Context(), "jane")
		}},
		{Name: "valid: Store.DeleteUserKey of a user without a key", Call: func(t *testing.T) error {
			return s.DeleteUserKey(t.Context(), "nobody")
		}},
	})
}
