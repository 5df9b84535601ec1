package herald

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// Snapshotter is implemented by aggregates that encode their own snapshots.
// Others are snapshotted with encoding/json, which sees exported fields only.
type Snapshotter interface {
	MarshalSnapshot() ([]byte, error)
	UnmarshalSnapshot(state []byte) error
}

// Repository loads aggregates of type A from a publisher's store and saves
// their new events through the publisher. It is safe for concurrent use.
type Repository[A Aggregate] struct {
	publisher     *Publisher
	newAggregate  func() A
	snapshotEvery uint64
	retries       int
}

// RepositoryOption configures a Repository.
type RepositoryOption func(*repositoryConfig) error

type repositoryConfig struct {
	snapshotEvery uint64
	retries       int
}

// SnapshotEvery saves a snapshot each time an aggregate passes a multiple of
// n revisions, when the store is a SnapshotStore. 0 (the default) never does.
func SnapshotEvery(n uint64) RepositoryOption {
	return func(c *repositoryConfig) error { c.snapshotEvery = n; return nil }
}

// Retries sets how often Use runs a command again after a conflict; the
// default is 10.
func Retries(n int) RepositoryOption {
	return func(c *repositoryConfig) error {
		if n < 0 {
			return fmt.Errorf("retries %d: want 0 or more", n)
		}
		c.retries = n
		return nil
	}
}

// NewRepository returns a repository of aggregates made by newAggregate,
// which returns a fresh instance with its appliers registered.
func NewRepository[A Aggregate](p *Publisher, newAggregate func() A, options ...RepositoryOption) (*Repository[A], error) {
	if p == nil || newAggregate == nil {
		return nil, fmt.Errorf("%w: new repository: publisher and aggregate constructor are required", ErrInvalid)
	}
	c := repositoryConfig{retries: 10}
	for _, o := range options {
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("%w: new repository: %v", ErrInvalid, err)
		}
	}
	return &Repository[A]{publisher: p, newAggregate: newAggregate, snapshotEvery: c.snapshotEvery, retries: c.retries}, nil
}

// Load returns the aggregate ref as of its newest event: its newest snapshot
// with the events after it applied. An aggregate without events is returned
// fresh, at revision 0.
func (r *Repository[A]) Load(ctx context.Context, ref AggregateRef) (A, error) {
	a := r.newAggregate()
	if err := ref.Check(); err != nil {
		return a, err
	}
	b := a.aggregateBase()
	b.ref = ref
	if err := r.restoreSnapshot(ctx, a); err != nil {
		return a, err
	}
	for e, err := range r.publisher.store.ReadStream(ctx, ref, b.revision+1, 0) {
		if err != nil {
			return a, fmt.Errorf("herald: load %s: %w", ref, err)
		}
		if err := r.publisher.registry.Decode(&e); err != nil {
			return a, err
		}
		if err := b.apply(&e); err != nil {
			return a, fmt.Errorf("herald: load %s: %w", ref, err)
		}
	}
	b.stored = b.revision
	return a, nil
}

func (r *Repository[A]) restoreSnapshot(ctx context.Context, a A) error {
	snaps, ok := r.publisher.store.(SnapshotStore)
	if !ok || r.snapshotEvery == 0 {
		return nil
	}
	b := a.aggregateBase()
	s, err := snaps.LoadSnapshot(ctx, b.ref)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err == nil {
		if sn, ok := any(a).(Snapshotter); ok {
			err = sn.UnmarshalSnapshot(s.State)
		} else {
			err = json.Unmarshal(s.State, a)
		}
	}
	if err != nil {
		return fmt.Errorf("herald: load snapshot of %s: %w", b.ref, err)
	}
	b.revision = s.Revision
	return nil
}

// Save stores the events a published since it was loaded, expecting the
// aggregate still at the revision it was loaded at: if another writer was
// first, it stores nothing and returns a *ConflictError.
//
// When ctx carries a cause (a handled event, or WithCausationID), the
// events' ids are derived from the cause, the aggregate and their order, so
// saving the same command's events again stores nothing new. Two different
// commands on one aggregate for one cause need distinct causation ids.
func (r *Repository[A]) Save(ctx context.Context, a A) error {
	b := a.aggregateBase()
	if len(b.pending) == 0 {
		return nil
	}
	if causation, _ := causeIDs(ctx); causation != uuid.Nil {
		for i := range b.pending {
			name := b.ref.String() + "#" + strconv.Itoa(i)
			b.pending[i].ID = uuid.NewSHA1(causation, []byte(name))
		}
	}
	stored, err := r.publisher.PublishBatch(ctx, b.pending)
	if err != nil {
		return err
	}
	before := b.stored
	b.pending = nil
	b.stored = stored[len(stored)-1].Metadata.Revision
	b.revision = b.stored
	r.snapshot(ctx, a, before)
	return nil
}

// snapshot saves a snapshot when the aggregate passed a multiple of
// snapshotEvery. A failure is logged: the events are stored, and the next
// load reads a few more of them.
func (r *Repository[A]) snapshot(ctx context.Context, a A, before uint64) {
	snaps, ok := r.publisher.store.(SnapshotStore)
	b := a.aggregateBase()
	if !ok || r.snapshotEvery == 0 || b.revision/r.snapshotEvery == before/r.snapshotEvery {
		return
	}
	var state []byte
	var err error
	if sn, ok := any(a).(Snapshotter); ok {
		state, err = sn.MarshalSnapshot()
	} else {
		state, err = json.Marshal(a)
	}
	if err == nil {
		err = snaps.SaveSnapshot(ctx, Snapshot{Aggregate: b.ref, Revision: b.revision, State: state})
	}
	if err != nil {
		r.publisher.logger.ErrorContext(ctx, "herald: snapshot failed", "aggregate", b.ref.String(), "revision", b.revision, "error", err)
	}
}

// Use loads the aggregate ref, runs command on it and saves it. When the
// save conflicts with another writer it runs the command again on a fresh
// load, up to the repository's retry limit. It returns the aggregate as
// saved, or the error of the command, the load or the last save.
func (r *Repository[A]) Use(ctx context.Context, ref AggregateRef, command func(A) error) (A, error) {
	for attempt := 0; ; attempt++ {
		a, err := r.Load(ctx, ref)
		if err != nil {
			return a, err
		}
		if err := runCommand(command, a); err != nil {
			return a, err
		}
		err = r.Save(ctx, a)
		if err == nil || !errors.Is(err, ErrConflict) || attempt >= r.retries {
			return a, err
		}
	}
}

func runCommand[A any](command func(A) error, a A) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("herald: command panicked: %v", r)
		}
	}()
	return command(a)
}
