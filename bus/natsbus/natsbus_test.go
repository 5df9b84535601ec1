package natsbus_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/bustest"
	"github.com/herald-go/herald/bus/natsbus"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
	"github.com/stretchr/testify/require"
)

// conformanceBus returns a bus configured as the suite asks. A queue size
// has no counterpart: the stream is the queue.
func conformanceBus(t *testing.T, cfg bustest.Config) herald.Bus {
	opts := append(fresh(t), natsbus.WithRetry(cfg.Retry), natsbus.WithDeadLetter(cfg.DeadLetter),
		natsbus.WithAckWait(5*time.Second))
	if cfg.Workers > 0 {
		opts = append(opts, natsbus.WithWorkers(cfg.Workers))
	}
	b, err := natsbus.New(context.Background(), connect(t), opts...)
	require.NoError(t, err)
	return b
}

func TestConformance(t *testing.T) {
	bustest.Run(t, conformanceBus)
}

func TestDurable(t *testing.T) {
	stores := map[string]bustest.NewStore{
		"memstore": func(t *testing.T) herald.Store {
			s, err := memstore.New()
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		"boltstore": func(t *testing.T) herald.Store {
			s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"), boltstore.WithNoSync())
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { bustest.RunDurable(t, newStore, conformanceBus) })
	}
}
