package projection_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/projection"
)

// TestErrorsReadOneWay checks that the errors of projections and flows
// read "projection: what was done: detail: wrapped error", with one
// prefix also around the errors of the engine, the store and bbolt.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	store := newMemstore(t)
	type model struct{}
	reset := func(context.Context, *model) error { return nil }
	onSent := projection.On(sentName, func(context.Context, *model, herald.Event, Sent) error { return nil })
	newWith := func(name string, h projection.Handler[*model]) error {
		_, err := projection.New(projection.Config[*model]{Name: name, Store: store,
			Model: projection.Memory(&model{}), Handlers: []projection.Handler[*model]{h}, Reset: reset})
		return err
	}
	_, flowErr := projection.NewFlow(projection.FlowConfig{Name: "flow", Store: store})
	db, err := bolt.Open(filepath.Join(t.TempDir(), "model.db"), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	b, err := projection.New(projection.Config[*bolt.Tx]{Name: "bolt", Store: store, Model: projection.Bolt(db),
		Handlers: []projection.Handler[*bolt.Tx]{projection.On(sentName, func(context.Context, *bolt.Tx, herald.Event, Sent) error { return nil })},
		Reset:    projection.DeleteBuckets("x")})
	boltErr := err
	if err == nil {
		boltErr = b.Rebuild(ctx)
	}
	p, err := projection.New(projection.Config[*model]{Name: "p", Store: store,
		Model: projection.Memory(&model{}), Handlers: []projection.Handler[*model]{onSent}, Reset: reset})
	require.NoError(t, err)
	require.NoError(t, store.Close())
	_, closed := p.Status(ctx)
	cases := map[string]prefixtest.Case{
		"empty name":   {newWith("", onSent), herald.ErrInvalid},
		"wildcard":     {newWith("x", projection.On("communication.message.*", func(context.Context, *model, herald.Event, Sent) error { return nil })), herald.ErrInvalid},
		"nil handler":  {newWith("x", projection.Handler[*model]{}), herald.ErrInvalid},
		"no reactions": {flowErr, herald.ErrInvalid},
		"closed store": {closed, herald.ErrClosed},
		"closed model": {boltErr, herald.ErrClosed},
	}
	prefixtest.CheckAll(t, "projection", cases)
}
