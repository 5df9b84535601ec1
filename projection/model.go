package projection

import "context"

// Checkpoint is what a projection records with its model: the position of
// the last event the model reflects, and the projection's version that
// wrote it.
type Checkpoint struct {
	Position uint64
	Version  int
	// Generation tells a projection with a standby model which of its two
	// models answers: the one of the higher generation. A model gets the
	// next generation when a rebuild beside the other one switches to it.
	Generation uint64
}

// Model is where a projection keeps its read model and its checkpoint;
// handlers write the model through X. Bolt keeps both in a bbolt file and
// applies each event exactly once; Memory and External keep the model
// where the application wants it and apply each event at least once.
// Implement it to keep a model elsewhere, such as in a SQL database whose
// transactions can hold the checkpoint too.
//
// A projection calls its model from one goroutine at a time.
type Model[X any] interface {
	// Load returns the checkpoint saved under name, and false when there
	// is none.
	Load(ctx context.Context, name string) (Checkpoint, bool, error)
	// Apply calls fn with the handle to write the model with, and then,
	// when fn returned nil, saves cp under name. When fn fails, Apply
	// returns fn's error and does not save cp.
	Apply(ctx context.Context, name string, cp Checkpoint, fn func(x X) error) error
	// View calls fn with the handle to read the model with, such as a
	// read-only transaction, and returns what fn returns.
	View(ctx context.Context, fn func(x X) error) error
	// Atomic reports whether Apply is all or nothing: when it is, what fn
	// wrote and cp take effect together, or none of it does (after a
	// crash too), so each event takes effect exactly once. When it is
	// not, what fn wrote before it failed stays.
	Atomic() bool
}
