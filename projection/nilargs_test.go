package projection_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/projection"
)

// TestNilAndZeroArguments calls every exported function and method of
// projection with nil and zero arguments, those of projections, flows and
// runners made with valid ones: none panics, bad input is an error
// matching herald.ErrInvalid, and zero input that is valid gives what the
// documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	store := newMemstore(t)
	t.Cleanup(func() { _ = store.Close() })
	type model struct{}
	onSent := projection.On(sentName, func(context.Context, *model, herald.Event, Sent) error { return nil })
	reset := func(context.Context, *model) error { return nil }
	newProjection := func(t *testing.T) *projection.Projection[*model] {
		p, err := projection.New(projection.Config[*model]{
			Name: "projection", Store: store, Model: projection.Memory(&model{}),
			Handlers: []projection.Handler[*model]{onSent}, Reset: reset,
		})
		require.NoError(t, err)
		return p
	}
	newFlow := func(t *testing.T) *projection.Flow {
		f, err := projection.NewFlow(projection.FlowConfig{
			Name: "flow", Store: store,
			Reactions: []projection.Reaction{projection.When(sentName, func(context.Context, herald.Event, Sent) error { return nil })},
		})
		require.NoError(t, err)
		return f
	}
	withModel := func(m projection.Model[*model]) func(*testing.T) error {
		return func(*testing.T) error {
			_, err := projection.New(projection.Config[*model]{
				Name: "projection", Store: store, Model: m, Handlers: []projection.Handler[*model]{onSent}, Reset: reset,
			})
			return err
		}
	}
	withHandler := func(h projection.Handler[*model]) func(*testing.T) error {
		return func(*testing.T) error {
			_, err := projection.New(projection.Config[*model]{
				Name: "projection", Store: store, Model: projection.Memory(&model{}), Handlers: []projection.Handler[*model]{h}, Reset: reset,
			})
			return err
		}
	}
	withReaction := func(r projection.Reaction) func(*testing.T) error {
		return func(*testing.T) error {
			_, err := projection.NewFlow(projection.FlowConfig{Name: "flow", Store: store, Reactions: []projection.Reaction{r}})
			return err
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	nilargs.Run(t, []nilargs.Case{
		{Name: "New(Config{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := projection.New(projection.Config[*model]{})
			return err
		}},
		{Name: "New with a nil model", Want: herald.ErrInvalid, Call: withModel(nil)},
		{Name: "Bolt(nil) is refused by New", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := projection.New(projection.Config[*bolt.Tx]{
				Name: "projection", Store: store, Model: projection.Bolt(nil),
				Handlers: []projection.Handler[*bolt.Tx]{projection.On(sentName, func(context.Context, *bolt.Tx, herald.Event, Sent) error { return nil })},
				Reset:    projection.DeleteBuckets(),
			})
			return err
		}},
		{Name: "External(nil, m) is refused by New", Want: herald.ErrInvalid, Call: withModel(projection.External[*model](nil, &model{}))},
		{Name: "valid: Memory(nil) hands handlers nil", Call: withModel(projection.Memory[*model](nil))},
		{Name: "On(\"\", nil) is refused by New", Want: herald.ErrInvalid, Call: withHandler(projection.On[*model, Sent]("", nil))},
		{Name: "On(name, nil) is refused by New", Want: herald.ErrInvalid, Call: withHandler(projection.On[*model, Sent](sentName, nil))},
		{Name: "Handler{} is refused by New", Want: herald.ErrInvalid, Call: withHandler(projection.Handler[*model]{})},
		{Name: "NewFlow(FlowConfig{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := projection.NewFlow(projection.FlowConfig{})
			return err
		}},
		{Name: "When(\"\", nil) is refused by NewFlow", Want: herald.ErrInvalid, Call: withReaction(projection.When[Sent]("", nil))},
		{Name: "When(name, nil) is refused by NewFlow", Want: herald.ErrInvalid, Call: withReaction(projection.When[Sent](sentName, nil))},
		{Name: "Reaction{} is refused by NewFlow", Want: herald.ErrInvalid, Call: withReaction(projection.Reaction{})},
		{Name: "DeleteBuckets()(ctx, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return projection.DeleteBuckets()(ctx, nil)
		}},

		{Name: "valid: Projection.Name() is its name", Call: func(t *testing.T) error {
			assert.Equal(t, "projection", newProjection(t).Name())
			return nil
		}},
		{Name: "valid: Projection.Wait(ctx, 0) is reached at once", Call: func(t *testing.T) error {
			return newProjection(t).Wait(ctx, 0)
		}},
		{Name: "valid: Projection.Run(cancelled) returns nil", Call: func(t *testing.T) error {
			return newProjection(t).Run(cancelled)
		}},
		{Name: "valid: Projection.Resume(ctx) of one that did not fail does nothing", Call: func(t *testing.T) error {
			return newProjection(t).Resume(ctx)
		}},
		{Name: "valid: Projection.Status(ctx) of one stopped", Call: func(t *testing.T) error {
			s, err := newProjection(t).Status(ctx)
			assert.Equal(t, engine.Stopped, s.State)
			return err
		}},
		{Name: "Projection.Run(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).Run(nilContext)
		}},
		{Name: "Projection.Rebuild(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).Rebuild(nilContext)
		}},
		{Name: "Projection.View(nil, fn)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).View(nilContext, func(*model) error { return nil })
		}},
		{Name: "Projection.View(ctx, nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).View(ctx, nil)
		}},
		{Name: "valid: BoltIn(nil, name) and BoltIn(db, \"\") are nil", Call: func(t *testing.T) error {
			assert.Nil(t, projection.BoltIn(nil, "x"))
			db, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), 0o600, nil)
			require.NoError(t, err)
			defer db.Close()
			assert.Nil(t, projection.BoltIn(db, ""))
			return nil
		}},
		{Name: "ClearBucket(ctx, nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return projection.ClearBucket(ctx, nil)
		}},
		{Name: "Projection.Resume(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).Resume(nilContext)
		}},
		{Name: "Projection.Wait(nil, 1)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newProjection(t).Wait(nilContext, 1)
		}},
		{Name: "Projection.Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newProjection(t).Status(nilContext)
			return err
		}},
		{Name: "valid: (*Projection)(nil).Name() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, (*projection.Projection[*model])(nil).Name())
			return nil
		}},

		{Name: "valid: Flow.Name() is its name", Call: func(t *testing.T) error {
			assert.Equal(t, "flow", newFlow(t).Name())
			return nil
		}},
		{Name: "valid: Flow.Wait(ctx, 0) is reached at once", Call: func(t *testing.T) error {
			return newFlow(t).Wait(ctx, 0)
		}},
		{Name: "valid: Flow.Run(cancelled) returns nil", Call: func(t *testing.T) error {
			return newFlow(t).Run(cancelled)
		}},
		{Name: "Flow.Run(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newFlow(t).Run(nilContext)
		}},
		{Name: "Flow.Resume(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newFlow(t).Resume(nilContext)
		}},
		{Name: "Flow.Wait(nil, 1)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newFlow(t).Wait(nilContext, 1)
		}},
		{Name: "Flow.Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newFlow(t).Status(nilContext)
			return err
		}},
		{Name: "valid: (*Flow)(nil).Name() is empty", Call: func(t *testing.T) error {
			assert.Empty(t, (*projection.Flow)(nil).Name())
			return nil
		}},

		{Name: "Runner.Add(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var r projection.Runner
			return r.Add(nil)
		}},
		{Name: "Runner.Add((*Projection)(nil))", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var r projection.Runner
			return r.Add((*projection.Projection[*model])(nil))
		}},
		{Name: "Runner.Add((*Flow)(nil))", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			var r projection.Runner
			return r.Add((*projection.Flow)(nil))
		}},
		{Name: "valid: Runner.Add() adds nothing", Call: func(*testing.T) error {
			var r projection.Runner
			return r.Add()
		}},
		{Name: "valid: Runner{}.Run(cancelled) runs nothing", Call: func(*testing.T) error {
			var r projection.Runner
			return r.Run(cancelled)
		}},
		{Name: "valid: Runner{}.Status(ctx) is empty", Call: func(t *testing.T) error {
			var r projection.Runner
			s, err := r.Status(ctx)
			assert.Empty(t, s)
			return err
		}},
		{Name: "Runner.Run(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			var r projection.Runner
			require.NoError(t, r.Add(newProjection(t)))
			return r.Run(nilContext)
		}},
		{Name: "Runner.Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			var r projection.Runner
			require.NoError(t, r.Add(newProjection(t)))
			_, err := r.Status(nilContext)
			return err
		}},
		{Name: "Runner.Settle(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			var r projection.Runner
			return r.Settle(nilContext)
		}},
		{Name: "valid: Settle of an empty runner returns at once", Call: func(t *testing.T) error {
			var r projection.Runner
			return r.Settle(ctx)
		}},

		{Name: "valid: State(0) is stopped, an unknown State unknown", Call: func(t *testing.T) error {
			assert.Equal(t, "stopped", engine.State(0).String())
			assert.Equal(t, "unknown", engine.State(-1).String())
			return nil
		}},
		{Name: "valid: FailedError{} matches ErrFailed", Call: func(t *testing.T) error {
			e := &engine.FailedError{}
			assert.NotEmpty(t, e.Error())
			assert.ErrorIs(t, e, engine.ErrFailed)
			assert.NoError(t, e.Unwrap())
			return nil
		}},
	})
}
