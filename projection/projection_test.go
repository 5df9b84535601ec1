package projection_test

import (
	"context"
	"testing"

	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatchUpThenLive(t *testing.T) {
	for _, kind := range []string{"memory", "bolt"} {
		t.Run(kind, func(t *testing.T) {
			var e *env
			if kind == "bolt" {
				e = newBoltEnv(t)
			} else {
				e = newMemEnv(t)
			}
			refs := messages(7)
			e.sendAll(t, refs, 1000, 100)
			var c projection.Consumer
			var check func()
			if kind == "bolt" {
				m := boltModel{bucket: "counts"}
				cfg := m.config("counts", e)
				cfg.BatchSize = 64
				p, err := projection.New(cfg)
				require.NoError(t, err)
				c = p
				check = func() { assert.Equal(t, expected(t, e.store), m.read(t, e.bolt.DB())) }
			} else {
				m := newMemModel()
				cfg := m.config("texts", e)
				cfg.BatchSize = 64
				p, err := projection.New(cfg)
				require.NoError(t, err)
				c = p
				check = func() {
					wantPos, wantTexts := texts(t, e.store)
					gotPos, gotTexts := m.snapshot()
					assert.Equal(t, wantPos, gotPos)
					assert.Equal(t, wantTexts, gotTexts)
				}
			}
			run(t, c)
			waiter := c.(interface {
				Wait(ctx context.Context, position uint64) error
			})
			require.NoError(t, waiter.Wait(testCtx(t), 1000))
			waitState(t, c, engine.Live)
			last := uint64(0)
			for i := range 300 {
				last = e.send(t, refs[i%len(refs)], "live").Metadata.Position
			}
			require.NoError(t, waiter.Wait(testCtx(t), last))
			check()
			s, err := c.Status(testCtx(t))
			require.NoError(t, err)
			assert.Equal(t, last, s.Checkpoint)
			assert.Equal(t, last, s.Head)
			assert.Zero(t, s.Lag)
			assert.Equal(t, uint64(1300), s.Delivered)
		})
	}
}
