package herald

import (
	"context"
	"errors"
	"sync"
)

// Tx is a transaction that PublishAfterCommit and PublishBatchAfterCommit
// attach to: the publisher registers a hook that stores and delivers the
// events when the transaction commits, and nothing happens on rollback.
// Adapt a database's transaction to it, or use UnitOfWork.
type Tx interface {
	// OnCommit registers fn to run after the transaction commits, in the
	// order registered. It returns ErrTxDone when the transaction has ended.
	OnCommit(fn func(ctx context.Context) error) error
	// OnRollback registers fn to run after the transaction rolls back. It
	// returns ErrTxDone when the transaction has ended.
	OnRollback(fn func(ctx context.Context)) error
}

type txKey struct{}

// ContextWithTx returns a context that carries tx, for PublishAfterCommit.
func ContextWithTx(ctx context.Context, tx Tx) context.Context {
	if ctx == nil {
		return nil
	}
	return context.WithValue(ctx, txKey{}, tx)
}

// txFrom returns the transaction carried by ctx.
func txFrom(ctx context.Context) (Tx, bool) {
	if ctx == nil {
		return nil, false
	}
	tx, ok := ctx.Value(txKey{}).(Tx)
	return tx, ok && tx != nil
}

// UnitOfWork is an in-memory Tx for applications without a database
// transaction of their own: Commit runs the commit hooks (storing and
// delivering what was published after commit), Rollback discards them. The
// zero UnitOfWork is ready to use; it is safe for concurrent use and ends
// with its first Commit or Rollback.
type UnitOfWork struct {
	mu         sync.Mutex
	done       bool
	onCommit   []func(context.Context) error
	onRollback []func(context.Context)
}

// OnCommit registers fn to run on Commit. A nil fn is an error matching
// ErrInvalid.
func (u *UnitOfWork) OnCommit(fn func(ctx context.Context) error) error {
	if fn == nil {
		return errorf("unit of work: on commit: the hook is nil: %w", ErrInvalid)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return errorf("unit of work: on commit: %w", ErrTxDone)
	}
	u.onCommit = append(u.onCommit, fn)
	return nil
}

// OnRollback registers fn to run on Rollback. A nil fn is an error
// matching ErrInvalid.
func (u *UnitOfWork) OnRollback(fn func(ctx context.Context)) error {
	if fn == nil {
		return errorf("unit of work: on rollback: the hook is nil: %w", ErrInvalid)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return errorf("unit of work: on rollback: %w", ErrTxDone)
	}
	u.onRollback = append(u.onRollback, fn)
	return nil
}

// Commit ends the unit of work and runs its commit hooks in order. Each hook
// runs even when an earlier one failed; the errors are joined. Each
// PublishAfterCommit call's events are stored atomically by its own hook.
func (u *UnitOfWork) Commit(ctx context.Context) error {
	if ctx == nil {
		return nilContext("unit of work: commit")
	}
	hooks, _, err := u.end()
	if err != nil {
		return err
	}
	var errs []error
	for _, fn := range hooks {
		errs = append(errs, runCommitHook(ctx, fn))
	}
	return errors.Join(errs...)
}

// runCommitHook runs a commit or rollback hook, turning a panic into an
// error.
func runCommitHook(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorf("unit of work: a hook panicked: %v", r)
		}
	}()
	return fn(ctx)
}

// Rollback ends the unit of work, discards its commit hooks and runs its
// rollback hooks; a hook that panics is reported as an error, and the
// others run all the same.
func (u *UnitOfWork) Rollback(ctx context.Context) error {
	if ctx == nil {
		return nilContext("unit of work: rollback")
	}
	_, hooks, err := u.end()
	if err != nil {
		return err
	}
	var errs []error
	for _, fn := range hooks {
		errs = append(errs, runCommitHook(ctx, func(ctx context.Context) error { fn(ctx); return nil }))
	}
	return errors.Join(errs...)
}

func (u *UnitOfWork) end() ([]func(context.Context) error, []func(context.Context), error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.done {
		return nil, nil, errorf("unit of work: %w", ErrTxDone)
	}
	u.done = true
	commit, rollback := u.onCommit, u.onRollback
	u.onCommit, u.onRollback = nil, nil
	return commit, rollback, nil
}
