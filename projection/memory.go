package projection

import (
	"context"
	"math"
	"sync"

	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/prefix"
)

// Memory returns a model held in memory: handlers get model, such as a
// pointer to the application's maps, and the checkpoint is kept in memory
// too, so that the model and its checkpoint are lost together and a new
// process replays the log from its start. Events are applied at least
// once: what a handler wrote before it failed stays when the event is
// tried again.
func Memory[M any](model M) Model[M] {
	return &externalModel[M]{checkpoints: &memCheckpoints{}, model: model, gens: make(map[string]uint64)}
}

// External returns a model kept outside the store, such as in another
// database: handlers get model, and the checkpoint is saved in checkpoints
// after each batch applied. The model and the checkpoint do not commit
// together, so after a crash the events since the last saved checkpoint
// are applied again: at least once. Handlers that must not apply an event
// twice compare its position (e.Metadata.Position) with the one they
// recorded in their model last.
//
// The projection's version is saved in checkpoints too, under its name
// followed by "#version": a rebuild cut short by a crash is begun again.
//
// External(nil, model) is a nil Model, which New refuses.
func External[M any](checkpoints driver.CheckpointStore, model M) Model[M] {
	if checkpoints == nil {
		return nil
	}
	return &externalModel[M]{checkpoints: checkpoints, model: model, gens: make(map[string]uint64)}
}

// versionSuffix names the checkpoint that holds a projection's version
// plus one, or rebuilding while a reset is not yet followed by a
// checkpoint.
const (
	versionSuffix    = "#version"
	generationSuffix = "#generation"
	rebuilding       = math.MaxUint64
)

type externalModel[M any] struct {
	checkpoints driver.CheckpointStore
	model       M

	mu    sync.Mutex
	saved map[string]int    // the versions saved, by name
	gens  map[string]uint64 // the generations saved, by name
}

// saveGeneration saves the generation of name's checkpoint when it changed.
func (m *externalModel[M]) saveGeneration(ctx context.Context, name string, gen uint64) error {
	m.mu.Lock()
	same := m.gens[name] == gen
	m.mu.Unlock()
	if same {
		return nil
	}
	if err := m.checkpoints.SaveCheckpoint(ctx, name+generationSuffix, gen); err != nil {
		return prefix.Errorf("projection", "save generation: %w", err)
	}
	m.mu.Lock()
	m.gens[name] = gen
	m.mu.Unlock()
	return nil
}

func (m *externalModel[M]) Atomic() bool { return false }

func (m *externalModel[M]) View(_ context.Context, fn func(M) error) error { return fn(m.model) }

func (m *externalModel[M]) Load(ctx context.Context, name string) (Checkpoint, bool, error) {
	v, err := m.checkpoints.LoadCheckpoint(ctx, name+versionSuffix)
	if err != nil {
		return Checkpoint{}, false, prefix.Errorf("projection", "load checkpoint: %w", err)
	}
	switch v {
	case 0:
		return Checkpoint{}, false, nil
	case rebuilding:
		return Checkpoint{Version: -1}, true, nil
	}
	pos, err := m.checkpoints.LoadCheckpoint(ctx, name)
	if err != nil {
		return Checkpoint{}, false, prefix.Errorf("projection", "load checkpoint: %w", err)
	}
	gen, err := m.checkpoints.LoadCheckpoint(ctx, name+generationSuffix)
	if err != nil {
		return Checkpoint{}, false, prefix.Errorf("projection", "load checkpoint: %w", err)
	}
	m.remember(name, int(v-1))
	m.mu.Lock()
	m.gens[name] = gen
	m.mu.Unlock()
	return Checkpoint{Position: pos, Version: int(v - 1), Generation: gen}, true, nil
}

func (m *externalModel[M]) Apply(ctx context.Context, name string, cp Checkpoint, fn func(M) error) error {
	m.mu.Lock()
	version, known := m.saved[name]
	m.mu.Unlock()
	changed := !known || version != cp.Version
	if changed {
		if err := m.checkpoints.SaveCheckpoint(ctx, name+versionSuffix, rebuilding); err != nil {
			return prefix.Errorf("projection", "save version: %w", err)
		}
		m.forget(name)
	}
	if err := fn(m.model); err != nil {
		return err
	}
	if err := m.checkpoints.SaveCheckpoint(ctx, name, cp.Position); err != nil {
		return prefix.Errorf("projection", "save checkpoint: %w", err)
	}
	if err := m.saveGeneration(ctx, name, cp.Generation); err != nil {
		return err
	}
	if changed {
		if err := m.checkpoints.SaveCheckpoint(ctx, name+versionSuffix, uint64(cp.Version)+1); err != nil {
			return prefix.Errorf("projection", "save version: %w", err)
		}
		m.remember(name, cp.Version)
	}
	return nil
}

func (m *externalModel[M]) remember(name string, version int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.saved == nil {
		m.saved = make(map[string]int)
	}
	m.saved[name] = version
}

func (m *externalModel[M]) forget(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.saved, name)
}

// memCheckpoints is a driver.CheckpointStore in memory.
type memCheckpoints struct {
	mu sync.Mutex
	m  map[string]uint64
}

func (c *memCheckpoints) LoadCheckpoint(_ context.Context, name string) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name], nil
}

func (c *memCheckpoints) SaveCheckpoint(_ context.Context, name string, position uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]uint64)
	}
	c.m[name] = position
	return nil
}
