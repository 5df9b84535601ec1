package projection_test

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadSetup(t *testing.T) {
	e := newMemEnv(t)
	strict := newRegistry(t, herald.WithStrict())
	m := newMemModel()
	onSent := projection.On(sentName, m.onSent)
	tests := []struct {
		name   string
		change func(c *projection.Config[*memModel])
		want   string
	}{
		{"empty name", func(c *projection.Config[*memModel]) { c.Name = "" }, "name is empty"},
		{"name with a hash", func(c *projection.Config[*memModel]) { c.Name = "a#b" }, "'#'"},
		{"no store", func(c *projection.Config[*memModel]) { c.Store = nil }, "store is nil"},
		{"no model", func(c *projection.Config[*memModel]) { c.Model = nil }, "model is nil"},
		{"no reset hook", func(c *projection.Config[*memModel]) { c.Reset = nil }, "reset hook is nil"},
		{"no handlers", func(c *projection.Config[*memModel]) { c.Handlers = nil }, "no handlers"},
		{"nil handler", func(c *projection.Config[*memModel]) {
			c.Handlers = []projection.Handler[*memModel]{projection.On[*memModel, Sent](sentName, nil)}
		}, "is nil"},
		{"two handlers of one event", func(c *projection.Config[*memModel]) {
			c.Handlers = []projection.Handler[*memModel]{onSent, onSent}
		}, "two handlers"},
		{"short event name", func(c *projection.Config[*memModel]) {
			c.Handlers = []projection.Handler[*memModel]{projection.On("message.sent", m.onSent)}
		}, "want context.aggregate.name"},
		{"wildcard", func(c *projection.Config[*memModel]) {
			c.Handlers = []projection.Handler[*memModel]{projection.On("communication.message.*", m.onSent)}
		}, "without wildcards"},
		{"undefined event on a strict registry", func(c *projection.Config[*memModel]) {
			c.Registry = strict
			c.Handlers = []projection.Handler[*memModel]{projection.On("communication.message.edited", m.onSent)}
		}, "not defined in the strict registry"},
		{"data type other than the registry's", func(c *projection.Config[*memModel]) {
			c.Handlers = []projection.Handler[*memModel]{projection.On(likedName, m.onSent)}
		}, "takes projection_test.Sent, the registry defines projection_test.Liked"},
		{"negative version", func(c *projection.Config[*memModel]) { c.Version = -1 }, "negative"},
		{"negative batch size", func(c *projection.Config[*memModel]) { c.BatchSize = -1 }, "BatchSize(-1)"},
		{"bad retry policy", func(c *projection.Config[*memModel]) { c.Retry.MaxAttempts = -1 }, "MaxAttempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := m.config("texts", e)
			tt.change(&cfg)
			p, err := projection.New(cfg)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
			assert.Regexp(t, `^projection: `, err.Error())
		})
	}
}

func TestNewAcceptsUndefinedEventsOnALenientRegistry(t *testing.T) {
	e := newMemEnv(t)
	m := newMemModel()
	cfg := m.config("texts", e)
	cfg.Handlers = append(cfg.Handlers, projection.On("communication.message.edited", m.onSent))
	_, err := projection.New(cfg)
	require.NoError(t, err)
	cfg.Registry = newRegistry(t, herald.WithStrict())
	_, err = projection.New(cfg)
	require.ErrorIs(t, err, herald.ErrInvalid)
}

func TestNewFlowRejectsBadSetup(t *testing.T) {
	e := newMemEnv(t)
	react := projection.When(likedName, func(context.Context, herald.Event, Liked) error { return nil })
	tests := []struct {
		name   string
		change func(c *projection.FlowConfig)
		want   string
	}{
		{"empty name", func(c *projection.FlowConfig) { c.Name = "" }, "name is empty"},
		{"no store", func(c *projection.FlowConfig) { c.Store = nil }, "store is nil"},
		{"store without checkpoints", func(c *projection.FlowConfig) { c.Store = storeOnly{c.Store} }, "keeps no checkpoints"},
		{"no reactions", func(c *projection.FlowConfig) { c.Reactions = nil }, "no reactions"},
		{"two reactions to one event", func(c *projection.FlowConfig) {
			c.Reactions = []projection.Reaction{react, react}
		}, "two reactions"},
		{"undefined event on a strict registry", func(c *projection.FlowConfig) {
			c.Registry = newRegistry(t, herald.WithStrict())
			c.Reactions = []projection.Reaction{projection.When("communication.message.edited",
				func(context.Context, herald.Event, Liked) error { return nil })}
		}, "not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := projection.FlowConfig{Name: "likes", Store: e.store, Reactions: []projection.Reaction{react}}
			tt.change(&cfg)
			f, err := projection.NewFlow(cfg)
			require.Error(t, err)
			assert.Nil(t, f)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// storeOnly hides a store's optional capabilities.
type storeOnly struct{ herald.Store }

func TestRunnerRejectsTwoConsumersOfOneName(t *testing.T) {
	e := newMemEnv(t)
	a, err := projection.New(newMemModel().config("texts", e))
	require.NoError(t, err)
	b, err := projection.New(newMemModel().config("texts", e))
	require.NoError(t, err)
	c, err := projection.New(newMemModel().config("other", e))
	require.NoError(t, err)

	var r projection.Runner
	err = r.Add(a, b)
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), `"texts"`)
	require.NoError(t, r.Add(a, c), "a failed Add adds nothing")
	require.ErrorIs(t, r.Add(b), herald.ErrInvalid)
	statuses, err := r.Status(context.Background())
	require.NoError(t, err)
	require.Len(t, statuses, 2)
	assert.Equal(t, "texts", statuses[0].Name)
	assert.Equal(t, "other", statuses[1].Name)
}

func TestRunWhileRunningIsAnError(t *testing.T) {
	e := newMemEnv(t)
	p, err := projection.New(newMemModel().config("texts", e))
	require.NoError(t, err)
	run(t, p)
	waitState(t, p, engine.Live)
	err = p.Run(context.Background())
	require.ErrorIs(t, err, herald.ErrInvalid)
	assert.Contains(t, err.Error(), "running already")
}
