package boltstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/boltstore"
)

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says. The herald.Store methods are nilargs.StoreCases.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	s := openStore(t)
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	valid := herald.Event{Aggregate: ref, Name: "sent", ID: uuid.New()}
	open := func(opts ...boltstore.Option) func(*testing.T) error {
		return func(t *testing.T) error {
			s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), opts...)
			if err == nil {
				err = s.Close()
			}
			return err
		}
	}
	// inTx runs fn in a writable transaction of s's file, rolled back.
	inTx := func(t *testing.T, fn func(tx *bolt.Tx) error) error {
		tx, err := s.DB().Begin(true)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback() }()
		return fn(tx)
	}

	nilargs.Run(t, append(nilargs.StoreCases(s), []nilargs.Case{
		{Name: "Open(\"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := boltstore.Open("")
			return err
		}},
		{Name: "New(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := boltstore.New(nil)
			return err
		}},
		{Name: "valid: Open(path, nil) ignores the nil option", Call: open(nil)},
		{Name: "WithOpenTimeout(0)", Want: herald.ErrInvalid, Names: "WithOpenTimeout", Call: open(boltstore.WithOpenTimeout(0))},
		{Name: "WithMaxEventSize(0)", Want: herald.ErrInvalid, Names: "WithMaxEventSize", Call: open(boltstore.WithMaxEventSize(0))},
		{Name: "valid: WithRegistry(nil) decodes nothing", Call: open(boltstore.WithRegistry(nil))},
		{Name: "valid: WithLogger(nil) is silent", Call: open(boltstore.WithLogger(nil))},
		{Name: "valid: WithNoSync()", Call: open(boltstore.WithNoSync())},

		{Name: "EncodeEvent(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := boltstore.EncodeEvent(nil, nil)
			return err
		}},
		{Name: "valid: EncodeEvent(nil, &Event{}) encodes the zero envelope", Call: func(t *testing.T) error {
			b, err := boltstore.EncodeEvent(nil, &herald.Event{})
			assert.NotEmpty(t, b)
			return err
		}},
		{Name: "DecodeEvent(0, nil) is corrupt", Want: boltstore.ErrCorrupt, Call: func(*testing.T) error {
			_, err := boltstore.DecodeEvent(0, nil)
			return err
		}},
		{Name: "valid: DecodeError{} matches ErrCorrupt", Call: func(t *testing.T) error {
			assert.NotEmpty(t, (&boltstore.DecodeError{}).Error())
			assert.ErrorIs(t, &boltstore.DecodeError{}, boltstore.ErrCorrupt)
			return nil
		}},
		{Name: "valid: ContextWithTx(ctx, nil) carries no transaction", Call: func(t *testing.T) error {
			_, ok := boltstore.TxFrom(boltstore.ContextWithTx(ctx, nil))
			assert.False(t, ok)
			return nil
		}},
		{Name: "valid: TxFrom(nil) finds none", Call: func(t *testing.T) error {
			_, ok := boltstore.TxFrom(nilContext)
			assert.False(t, ok)
			return nil
		}},
		{Name: "ContextWithTx(nil, tx) is refused by Append", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error {
				return s.Append(boltstore.ContextWithTx(nilContext, tx), []herald.Event{valid})
			})
		}},

		{Name: "Store.AppendUndelivered(ctx, []Event{{}})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.AppendUndelivered(ctx, []herald.Event{{}})
		}},
		{Name: "Store.AppendUndelivered(nil, events)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.AppendUndelivered(nilContext, []herald.Event{valid})
		}},
		{Name: "Store.AppendTx(nil, events)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.AppendTx(nil, []herald.Event{valid})
		}},
		{Name: "Store.AppendTx(tx, []Event{{}})", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error { return s.AppendTx(tx, []herald.Event{{}}) })
		}},
		{Name: "valid: Store.AppendTx(tx, nil) appends nothing", Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error { return s.AppendTx(tx, nil) })
		}},
		{Name: "valid: Store.AppendInCallerTx(ctx, nil, nil) without a transaction does nothing", Call: func(t *testing.T) error {
			appended, err := s.AppendInCallerTx(ctx, nil, nil)
			assert.False(t, appended)
			return err
		}},
		{Name: "Store.AppendInCallerTx(nil, events, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := s.AppendInCallerTx(nilContext, []herald.Event{valid}, nil)
			return err
		}},
		{Name: "Store.AppendInCallerTx(ctx with tx, []Event{{}}, nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error {
				_, err := s.AppendInCallerTx(boltstore.ContextWithTx(ctx, tx), []herald.Event{{}}, nil)
				return err
			})
		}},
		{Name: "valid: Store.MarkDelivered(ctx, nil) marks nothing", Call: func(*testing.T) error {
			return s.MarkDelivered(ctx, nil)
		}},
		{Name: "valid: Store.MarkDelivered(ctx, []Event{{}}) marks no position", Call: func(*testing.T) error {
			return s.MarkDelivered(ctx, []herald.Event{{}})
		}},
		{Name: "Store.MarkDelivered(nil, events)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.MarkDelivered(nilContext, []herald.Event{valid})
		}},
		{Name: "valid: Store.Undelivered(ctx) of a new store is empty", Call: func(*testing.T) error {
			return nilargs.Err(s.Undelivered(ctx))
		}},
		{Name: "Store.Undelivered(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return nilargs.Err(s.Undelivered(nilContext))
		}},

		{Name: "Store.SaveCheckpointTx(nil, name, 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.SaveCheckpointTx(nil, "consumer", 0)
		}},
		{Name: "Store.SaveCheckpointTx(tx, \"\", 0)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error { return s.SaveCheckpointTx(tx, "", 0) })
		}},
		{Name: "Store.LoadCheckpointTx(nil, name)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := s.LoadCheckpointTx(nil, "consumer")
			return err
		}},
		{Name: "Store.LoadCheckpointTx(tx, \"\")", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return inTx(t, func(tx *bolt.Tx) error {
				_, err := s.LoadCheckpointTx(tx, "")
				return err
			})
		}},
		{Name: "valid: Store.DB() is the file's database", Call: func(t *testing.T) error {
			assert.NotNil(t, s.DB())
			return nil
		}},
		{Name: "valid: Store.Close() of a closed store does nothing", Call: func(t *testing.T) error {
			closed := openStore(t)
			assert.NoError(t, closed.Close())
			return closed.Close()
		}},
	}...))
}
