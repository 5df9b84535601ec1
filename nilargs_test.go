package herald_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/memstore"
)

// nilContext is a context.Context that is nil, for the calls that must
// refuse one.
var nilContext context.Context

// TestNilAndZeroArguments calls every exported function and method of the
// package with nil and zero arguments: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	repo := newRepo(t, f)
	ref := messageRef()
	valid := sentEvent(ref, "hello")
	newRepository := func(t *testing.T, newAggregate func() *Message) *herald.Repository[*Message] {
		r, err := herald.NewRepository(f.publisher, "communication", "message", newAggregate)
		require.NoError(t, err)
		return r
	}
	nilargs.Run(t, []nilargs.Case{
		// Aggregates.
		{Name: "Apply(nil, \"\", nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.Apply[Sent](nil, "", nil)
		}},
		{Name: "Apply((*Message)(nil), \"sent\", fn)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.Apply((*Message)(nil), "sent", func(Sent) {})
		}},
		{Name: "Apply(&Message{}, \"\", nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.Apply[Sent](&Message{}, "", nil)
		}},
		{Name: "AggregateBase{}.Publish(\"\", nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var b herald.AggregateBase
			return b.Publish("", nil)
		}},
		{Name: "(*AggregateBase)(nil).Publish(\"\", nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (*herald.AggregateBase)(nil).Publish("", nil)
		}},
		{Name: "AggregateBase{}.TransferOwnership(\"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var b herald.AggregateBase
			return b.TransferOwnership("")
		}},
		{Name: "(*AggregateBase)(nil).TransferOwnership(\"u\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (*herald.AggregateBase)(nil).TransferOwnership("u")
		}},
		{Name: "valid: AggregateBase{} getters are zero", Call: func(t *testing.T) error {
			var b herald.AggregateBase
			assert.Equal(t, herald.AggregateRef{}, b.Ref())
			assert.Zero(t, b.Revision())
			assert.Empty(t, b.Owner())
			assert.Empty(t, b.Pending())
			return nil
		}},
		{Name: "valid: (*AggregateBase)(nil) getters are zero", Call: func(t *testing.T) error {
			var b *herald.AggregateBase
			assert.Equal(t, herald.AggregateRef{}, b.Ref())
			assert.Zero(t, b.Revision())
			assert.Empty(t, b.Owner())
			assert.Empty(t, b.Pending())
			return nil
		}},
		{Name: "AggregateRef{}.Check()", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.AggregateRef{}.Check()
		}},
		{Name: "valid: AggregateRef{}.String() is its parts", Call: func(t *testing.T) error {
			assert.Equal(t, ".."+uuid.Nil.String(), herald.AggregateRef{}.String())
			return nil
		}},

		// Repositories.
		{Name: "NewRepository(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.NewRepository[*Message](nil, "communication", "message", nil)
			return err
		}},
		{Name: "NewRepository(p, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.NewRepository[*Message](f.publisher, "communication", "message", nil)
			return err
		}},
		{Name: "valid: NewRepository(p, fn, nil option) ignores it", Call: func(*testing.T) error {
			_, err := herald.NewRepository(f.publisher, "communication", "message", newMessage, nil)
			return err
		}},
		{Name: "WithRetries(-1)", Want: herald.ErrInvalid, Names: "WithRetries", Call: func(*testing.T) error {
			_, err := herald.NewRepository(f.publisher, "communication", "message", newMessage, herald.WithRetries(-1))
			return err
		}},
		{Name: "valid: WithRetries(0) never retries", Call: func(*testing.T) error {
			_, err := herald.NewRepository(f.publisher, "communication", "message", newMessage, herald.WithRetries(0))
			return err
		}},
		{Name: "valid: WithSnapshotEvery(0) never snapshots", Call: func(*testing.T) error {
			_, err := herald.NewRepository(f.publisher, "communication", "message", newMessage, herald.WithSnapshotEvery(0))
			return err
		}},
		{Name: "NewRepository(p, \"\", \"\", fn)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.NewRepository(f.publisher, "", "", newMessage)
			return err
		}},
		{Name: "Repository.Load(ctx, uuid.Nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := repo.Load(ctx, uuid.Nil)
			return err
		}},
		{Name: "Repository.Load(nil, id)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := repo.Load(nilContext, ref.ID)
			return err
		}},
		{Name: "Repository.Load with a constructor that returns nil", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newRepository(t, func() *Message { return nil }).Load(ctx, ref.ID)
			return err
		}},
		{Name: "Repository.Save(ctx, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return repo.Save(ctx, nil)
		}},
		{Name: "Repository.Save(nil, m)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return repo.Save(nilContext, newMessage())
		}},
		{Name: "valid: Repository.Save(ctx, &Message{}) has nothing to save", Call: func(*testing.T) error {
			return repo.Save(ctx, &Message{})
		}},
		{Name: "Repository.Use(ctx, id, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := repo.Use(ctx, ref.ID, nil)
			return err
		}},
		{Name: "Repository.Use(ctx, uuid.Nil, fn)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := repo.Use(ctx, uuid.Nil, func(*Message) error { return nil })
			return err
		}},
		{Name: "Repository.Use(nil, id, fn)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := repo.Use(nilContext, ref.ID, func(*Message) error { return nil })
			return err
		}},
		{Name: "Repository.Use with a constructor that returns nil", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newRepository(t, func() *Message { return nil }).Use(ctx, ref.ID, func(*Message) error { return nil })
			return err
		}},

		// Publishers.
		{Name: "NewPublisher(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.NewPublisher(nil, nil)
			return err
		}},
		{Name: "valid: NewPublisher(store, nil, nil option) ignores it", Call: func(*testing.T) error {
			_, err := herald.NewPublisher(f.store, nil, nil)
			return err
		}},
		{Name: "WithClock(nil)", Want: herald.ErrInvalid, Names: "WithClock", Call: func(*testing.T) error {
			_, err := herald.NewPublisher(f.store, nil, herald.WithClock(nil))
			return err
		}},
		{Name: "valid: WithLogger(nil) is silent", Call: func(*testing.T) error {
			_, err := herald.NewPublisher(f.store, nil, herald.WithLogger(nil))
			return err
		}},
		{Name: "valid: WithRegistry(nil) over a store without a registry checks nothing", Call: func(t *testing.T) error {
			store, err := memstore.New()
			require.NoError(t, err)
			defer store.Close()
			p, err := herald.NewPublisher(store, nil, herald.WithRegistry(nil))
			require.NoError(t, err)
			assert.Nil(t, p.Registry())
			assert.NotNil(t, p.Store())
			return nil
		}},
		{Name: "Publisher.Publish(ctx, Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(ctx, herald.Event{})
			return err
		}},
		{Name: "Publisher.Publish(nil, e)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(nilContext, valid)
			return err
		}},
		{Name: "valid: Publisher.PublishBatch(ctx, nil) stores nothing", Call: func(t *testing.T) error {
			stored, err := f.publisher.PublishBatch(ctx, nil)
			assert.Empty(t, stored)
			return err
		}},
		{Name: "Publisher.PublishBatch(ctx, []Event{{}})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.PublishBatch(ctx, []herald.Event{{}})
			return err
		}},
		{Name: "Publisher.PublishBatch(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.PublishBatch(nilContext, nil)
			return err
		}},
		{Name: "Publisher.PublishAfterCommit(ctx, Event{}) without a transaction", Want: herald.ErrNoTransaction, Call: func(*testing.T) error {
			return f.publisher.PublishAfterCommit(ctx, herald.Event{})
		}},
		{Name: "Publisher.PublishAfterCommit(ctx with a Tx, Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.publisher.PublishAfterCommit(herald.ContextWithTx(ctx, &herald.UnitOfWork{}), herald.Event{})
		}},
		{Name: "Publisher.PublishAfterCommit(nil, e)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.publisher.PublishAfterCommit(nilContext, valid)
		}},
		{Name: "valid: Publisher.PublishBatchAfterCommit(ctx with a Tx, nil) attaches nothing", Call: func(*testing.T) error {
			return f.publisher.PublishBatchAfterCommit(herald.ContextWithTx(ctx, &herald.UnitOfWork{}), nil)
		}},
		{Name: "Publisher.PublishBatchAfterCommit(nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.publisher.PublishBatchAfterCommit(nilContext, nil)
		}},
		{Name: "valid: Publisher.Redeliver(ctx) of a store without an outbox is 0", Call: func(t *testing.T) error {
			n, err := f.publisher.Redeliver(ctx)
			assert.Zero(t, n)
			return err
		}},
		{Name: "Publisher.Redeliver(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Redeliver(nilContext)
			return err
		}},
		{Name: "Publisher.Close(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.publisher.Close(nilContext)
		}},

		// Registries and definitions.
		{Name: "valid: NewRegistry(nil option) ignores it", Call: func(t *testing.T) error {
			r, err := herald.NewRegistry(nil)
			assert.NotNil(t, r)
			return err
		}},
		{Name: "valid: NewRegistry(WithStrict()) is strict", Call: func(t *testing.T) error {
			err := newRegistry(t, herald.WithStrict()).Check(&valid)
			if !errors.Is(err, herald.ErrInvalid) {
				return errors.New("a strict registry passed an undefined event")
			}
			return nil
		}},
		{Name: "Define(nil, \"\", \"\", \"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.Define[Sent](nil, "", "", "")
			return err
		}},
		{Name: "Define(nil registry, names)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.Define[Sent](nil, "communication", "message", "sent")
			return err
		}},
		{Name: "valid: Define(r, names, nil option) ignores it", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent", nil)
			return err
		}},
		{Name: "WithVersion(0)", Want: herald.ErrInvalid, Names: "WithVersion", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent", herald.WithVersion(0))
			return err
		}},
		{Name: "WithSample(nil)", Want: herald.ErrInvalid, Names: "WithSample", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent", herald.WithSample(nil))
			return err
		}},
		{Name: "valid: WithDescription(\"\") describes nothing", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent", herald.WithDescription(""))
			return err
		}},
		{Name: "valid: WithDefaultAuthorization(Authorization{}) is private", Call: func(t *testing.T) error {
			_, err := herald.Define[Sent](newRegistry(t), "communication", "message", "sent",
				herald.WithDefaultAuthorization(herald.Authorization{}))
			return err
		}},
		{Name: "valid: (*Registry)(nil).Lookup(\"\", \"\", \"\") finds nothing", Call: func(t *testing.T) error {
			d, ok := (*herald.Registry)(nil).Lookup("", "", "")
			assert.Nil(t, d)
			assert.False(t, ok)
			return nil
		}},
		{Name: "valid: (*Registry)(nil).Definitions() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, (*herald.Registry)(nil).Definitions())
			return nil
		}},
		{Name: "(*Registry)(nil).Check(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (*herald.Registry)(nil).Check(nil)
		}},
		{Name: "valid: (*Registry)(nil).Check(&Event{}) is lenient", Call: func(*testing.T) error {
			return (*herald.Registry)(nil).Check(&herald.Event{})
		}},
		{Name: "Registry.Check(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.registry.Check(nil)
		}},
		{Name: "(*Registry)(nil).Decode(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (*herald.Registry)(nil).Decode(nil)
		}},
		{Name: "valid: (*Registry)(nil).Decode(&Event{}) leaves it", Call: func(*testing.T) error {
			return (*herald.Registry)(nil).Decode(&herald.Event{})
		}},
		{Name: "Registry.Decode(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return f.registry.Decode(nil)
		}},
		{Name: "valid: (*Definition)(nil).FullName() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, (*herald.Definition)(nil).FullName())
			return nil
		}},
		{Name: "valid: (&Definition{}).FullName() is its parts", Call: func(t *testing.T) error {
			assert.Equal(t, "..", (&herald.Definition{}).FullName())
			return nil
		}},

		// Events.
		{Name: "DataAs(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.DataAs[Sent](nil)
			return err
		}},
		{Name: "DataAs(&Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.DataAs[Sent](&herald.Event{})
			return err
		}},
		{Name: "valid: Event{}.FullName() is its parts", Call: func(t *testing.T) error {
			assert.Equal(t, "..", herald.Event{}.FullName())
			return nil
		}},
		{Name: "valid: Event{}.MarshalJSON() writes the zero envelope", Call: func(t *testing.T) error {
			b, err := herald.Event{}.MarshalJSON()
			assert.NotEmpty(t, b)
			return err
		}},
		{Name: "(*Event)(nil).UnmarshalJSON(envelope)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (*herald.Event)(nil).UnmarshalJSON([]byte(`{}`))
		}},
		{Name: "(&Event{}).UnmarshalJSON(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return (&herald.Event{}).UnmarshalJSON(nil)
		}},
		{Name: "valid: (*Authorization)(nil).Allows(nil) allows no one", Call: func(t *testing.T) error {
			assert.False(t, (*herald.Authorization)(nil).Allows(nil))
			return nil
		}},
		{Name: "valid: (&Authorization{}).Allows(nil) allows no one", Call: func(t *testing.T) error {
			assert.False(t, (&herald.Authorization{}).Allows(nil))
			return nil
		}},
		{Name: "OwnershipTransferred{}.Validate()", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.OwnershipTransferred{}.Validate()
		}},
		// Buses, handlers and durable subscriptions.
		{Name: "valid: On(nil) is a nil Handler", Call: func(t *testing.T) error {
			assert.Nil(t, herald.On[Sent](nil))
			return nil
		}},
		{Name: "HandlerFunc(nil).Handle(ctx, Event{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return herald.HandlerFunc(nil).Handle(ctx, herald.Event{})
		}},
		{Name: "valid: RetryPolicy{}.Resolve() gives the defaults", Call: func(t *testing.T) error {
			p, err := herald.RetryPolicy{}.Resolve()
			assert.Equal(t, herald.DefaultRetryMaxAttempts, p.MaxAttempts)
			return err
		}},
		{Name: "RetryPolicy{MaxAttempts: -1}.Resolve()", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := herald.RetryPolicy{MaxAttempts: -1}.Resolve()
			return err
		}},
		{Name: "valid: PanicError{} says panic", Call: func(t *testing.T) error {
			assert.NotEmpty(t, (&herald.PanicError{}).Error())
			assert.NoError(t, (&herald.PanicError{}).Unwrap())
			return nil
		}},
		{Name: "valid: Status and DeadLetter zero values", Call: func(t *testing.T) error {
			assert.Zero(t, engine.Status{}.Delivered)
			assert.Equal(t, "stopped", engine.Status{}.State.String())
			assert.NoError(t, herald.DeadLetter{}.Err)
			return nil
		}},

		// Errors.
		{Name: "valid: ConflictError{} matches ErrConflict", Call: func(t *testing.T) error {
			assert.NotEmpty(t, (&herald.ConflictError{}).Error())
			assert.ErrorIs(t, &herald.ConflictError{}, herald.ErrConflict)
			return nil
		}},
		{Name: "valid: ValidationError{} matches ErrInvalid", Call: func(t *testing.T) error {
			e := &herald.ValidationError{}
			assert.NotEmpty(t, e.Error())
			assert.ErrorIs(t, e, herald.ErrInvalid)
			assert.NoError(t, e.Unwrap())
			return nil
		}},

		// Transactions.
		{Name: "UnitOfWork.OnCommit(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.OnCommit(nil)
		}},
		{Name: "UnitOfWork.OnRollback(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.OnRollback(nil)
		}},
		{Name: "valid: UnitOfWork{}.Commit(ctx) commits nothing", Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.Commit(ctx)
		}},
		{Name: "valid: UnitOfWork{}.Rollback(ctx) rolls back nothing", Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.Rollback(ctx)
		}},
		{Name: "UnitOfWork.Commit(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.Commit(nilContext)
		}},
		{Name: "UnitOfWork.Rollback(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var u herald.UnitOfWork
			return u.Rollback(nilContext)
		}},
		{Name: "valid: ContextWithTx(ctx, nil) carries no transaction", Call: func(t *testing.T) error {
			_, ok := driver.TxFrom(herald.ContextWithTx(ctx, nil))
			assert.False(t, ok)
			return nil
		}},

		// Contexts: the helpers that derive one from a nil context return
		// nil, which the calls that take a context refuse.
		{Name: "ContextWithUser(nil, User{}) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithUser(nilContext, herald.User{}), valid)
			return err
		}},
		{Name: "ContextWithCause(nil, nil) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithCause(nilContext, nil), valid)
			return err
		}},
		{Name: "ContextWithCause(nil, &valid) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithCause(nilContext, &valid), valid)
			return err
		}},
		{Name: "ContextWithCausationID(nil, uuid.Nil) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithCausationID(nilContext, uuid.Nil), valid)
			return err
		}},
		{Name: "ContextWithCorrelationID(nil, uuid.Nil) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithCorrelationID(nilContext, uuid.Nil), valid)
			return err
		}},
		{Name: "ContextWithCommandID(nil, uuid.Nil) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithCommandID(nilContext, uuid.Nil), valid)
			return err
		}},
		{Name: "driver.ContextWithConsumer(nil, \"\") is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(driver.ContextWithConsumer(nilContext, ""), valid)
			return err
		}},
		{Name: "ContextWithLabels(nil, labels) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithLabels(nilContext, map[string]string{"a": "b"}), valid)
			return err
		}},
		{Name: "ContextWithTx(nil, nil) is refused by Publish", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := f.publisher.Publish(herald.ContextWithTx(nilContext, nil), valid)
			return err
		}},
		{Name: "valid: ContextWithCause(ctx, nil) is ctx, without a cause", Call: func(t *testing.T) error {
			assert.Nil(t, driver.CauseFrom(herald.ContextWithCause(ctx, nil)))
			return nil
		}},
		{Name: "valid: ContextWithLabels(ctx, nil) is ctx", Call: func(t *testing.T) error {
			assert.Equal(t, ctx, herald.ContextWithLabels(ctx, nil))
			return nil
		}},
	})
}
