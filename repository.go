package herald

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/herald-go/herald/internal/option"
)

// Snapshotter is implemented by aggregates that encode their own snapshots.
// Others are snapshotted with encoding/json, which sees exported fields only.
type Snapshotter interface {
	MarshalSnapshot() ([]byte, error)
	UnmarshalSnapshot(state []byte) error
}

// Repository loads the aggregates of one kind (a context and an aggregate
// name, such as communication.message) from a publisher's store, by id,
// and saves their new events through the publisher. It is safe for
// concurrent use.
type Repository[A Aggregate] struct {
	context, name string
	publisher     *Publisher
	newAggregate  func() A
	snapshotEvery uint64
	retries       int
}

// RepositoryOption configures a Repository built by NewRepository.
type RepositoryOption func(*repositoryConfig) error

type repositoryConfig struct {
	snapshotEvery uint64
	retries       int
}

// WithSnapshotEvery saves a snapshot each time an aggregate passes a
// multiple of n revisions, when the store is a
// [github.com/herald-go/herald/driver.SnapshotStore]. 0 (the default)
// never does. A save whose events wait for the commit of a Tx in its
// context takes no snapshot; one inside a store's own transaction writes
// it there.
func WithSnapshotEvery(n uint64) RepositoryOption {
	return func(c *repositoryConfig) error { c.snapshotEvery = n; return nil }
}

// WithRetries sets how often Use runs a command again after a conflict;
// the default is 10, and n must not be negative.
func WithRetries(n int) RepositoryOption {
	return func(c *repositoryConfig) error {
		if err := option.AtLeast("WithRetries", n, 0); err != nil {
			return err
		}
		c.retries = n
		return nil
	}
}

// NewRepository returns the repository of the aggregates named name in
// context, made by newAggregate, which returns a fresh instance with its
// appliers registered. A nil p or newAggregate, an empty context or name or
// one with a dot, a kind the publisher's strict registry defines no event
// of, or an invalid option value, is an error matching [ErrInvalid].
func NewRepository[A Aggregate](p *Publisher, context, name string, newAggregate func() A, options ...RepositoryOption) (*Repository[A], error) {
	if p == nil || newAggregate == nil {
		return nil, errorf("new repository: publisher and aggregate constructor are required: %w", ErrInvalid)
	}
	if err := (AggregateRef{Context: context, Name: name, ID: uuid.Max}).Check(); err != nil {
		return nil, errorf("new repository: %w", err)
	}
	if !p.registry.definesAggregate(context, name) {
		return nil, errorf("new repository: the strict registry defines no event of %s.%s: %w", context, name, ErrInvalid)
	}
	c := repositoryConfig{retries: 10}
	if err := option.Apply(&c, options, "herald", "new repository", ErrInvalid); err != nil {
		return nil, err
	}
	return &Repository[A]{context: context, name: name, publisher: p, newAggregate: newAggregate,
		snapshotEvery: c.snapshotEvery, retries: c.retries}, nil
}

// Ref returns the reference of the repository's aggregate id.
func (r *Repository[A]) Ref(id uuid.UUID) AggregateRef {
	return AggregateRef{Context: r.context, Name: r.name, ID: id}
}

// Load returns the aggregate id as of its newest event: its newest snapshot
// with the events after it applied. An aggregate without events is returned
// fresh, at revision 0. The nil id is an error matching [ErrInvalid].
func (r *Repository[A]) Load(ctx context.Context, id uuid.UUID) (A, error) {
	if ctx == nil {
		var zero A
		return zero, nilContext("load")
	}
	ref := r.Ref(id)
	a := r.newAggregate()
	b, err := baseOf(a)
	if err != nil {
		return a, errorf("load %s: the aggregate constructor: %w", ref, err)
	}
	if b.setup != nil {
		return a, errorf("load %s: the aggregate's appliers: %w", ref, b.setup)
	}
	if err := ref.check(); err != nil {
		return a, errorf("load: %w", err)
	}
	b.ref = ref
	if err := r.restoreSnapshot(ctx, a); err != nil {
		return a, err
	}
	// From a snapshot, the event it was taken at is read too, for the
	// owner it carries; its effect is in the snapshot.
	snapshotAt := b.revision
	for e, err := range r.publisher.store.ReadStream(ctx, ref, max(snapshotAt, 1), 0) {
		if err != nil {
			return a, errorf("load %s: %w", ref, err)
		}
		if e.Metadata.Revision == snapshotAt {
			b.owner = ownerOf(&e)
			continue
		}
		if err := r.publisher.registry.decode(&e); err != nil {
			return a, errorf("load %s: %w", ref, err)
		}
		if err := b.apply(&e); err != nil {
			return a, errorf("load %s: %w", ref, err)
		}
	}
	b.stored = b.revision
	return a, nil
}

func (r *Repository[A]) restoreSnapshot(ctx context.Context, a A) error {
	snaps, ok := r.publisher.store.(snapshotStore)
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
		return errorf("load snapshot of %s: %w", b.ref, err)
	}
	b.revision = s.Revision
	return nil
}

// Save stores the events a published since it was loaded, expecting the
// aggregate still at the revision it was loaded at: if another writer was
// first, it stores nothing and returns a [*ConflictError]. The events carry
// the aggregate's owner ([AggregateBase.Owner]); those of a new aggregate
// make the user publishing them its owner. When ctx carries a transaction
// (a [Tx], or one the store writes in), the events are published with it,
// as [Publisher.PublishBatchAfterCommit] does, and a conflict shows when
// they are stored. A save that repeats one already made stores nothing new:
// its events get ids derived from the command that saves them
// ([ContextWithCommandID] and
// [github.com/herald-go/herald/driver.ContextWithConsumer] say what
// identifies one); a different command, even for the same cause, stores
// its own.
func (r *Repository[A]) Save(ctx context.Context, a A) error {
	if ctx == nil {
		return nilContext("save")
	}
	b, err := baseOf(a)
	if err != nil {
		return errorf("save: %w", err)
	}
	if len(b.pending) == 0 {
		return nil
	}
	if b.ref.Context != r.context || b.ref.Name != r.name {
		return errorf("save %s: the repository is of %s.%s: %w", b.ref, r.context, r.name, ErrInvalid)
	}
	cmd, n := commandOf(ctx), 0
	if cmd != nil {
		n = cmd.next(b.ref)
		for i := range b.pending {
			b.pending[i].ID = cmd.eventID(b.ref, n, i)
		}
	}
	owner := b.owner
	if b.stored == 0 {
		if u := userFrom(ctx); u != nil {
			owner = u.ID
		}
	}
	batch := append([]Event(nil), b.pending...)
	stored, later, err := r.publisher.saveAggregate(ctx, batch, owner)
	if cmd != nil && stored {
		cmd.saved(b.ref, n)
	}
	if err != nil {
		return err
	}
	before := b.stored
	b.pending = nil
	b.owner = ownerOf(&batch[len(batch)-1])
	b.stored = batch[len(batch)-1].Metadata.Revision
	b.revision = b.stored
	if !later {
		r.snapshot(ctx, a, before)
	}
	return nil
}

// snapshot saves a snapshot when the aggregate passed a multiple of
// snapshotEvery. A failure is logged: the events are stored, and the next
// load reads a few more of them.
func (r *Repository[A]) snapshot(ctx context.Context, a A, before uint64) {
	snaps, ok := r.publisher.store.(snapshotStore)
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

// Use loads the aggregate id, runs command on it and saves it. When the
// save conflicts with another writer it runs the command again on a fresh
// load, up to the repository's retry limit. It returns the aggregate as
// saved, or the error of the command, the load or the last save. A nil
// command is an error matching ErrInvalid, and nothing is loaded.
func (r *Repository[A]) Use(ctx context.Context, id uuid.UUID, command func(A) error) (A, error) {
	if command == nil {
		var zero A
		return zero, errorf("use %s: the command is nil: %w", r.Ref(id), ErrInvalid)
	}
	for attempt := 0; ; attempt++ {
		a, err := r.Load(ctx, id)
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
			err = errorf("use: the command panicked: %v", r)
		}
	}()
	return command(a)
}
