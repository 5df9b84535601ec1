package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
)

// Tx is one of the application's pgx transactions, with the commit and
// rollback hooks that pgx lacks: it is a pgx.Tx for the application's
// own statements and a herald.Tx for the publisher. Events published
// with PublishAfterCommit in a context that carries it (ContextWithTx)
// are appended inside it, so the application's rows and its events
// commit together, and are delivered once Commit committed:
//
//	tx, err := store.Begin(ctx)
//	...
//	defer tx.Rollback(ctx)
//	ctx = pgstore.ContextWithTx(ctx, tx)
//	tx.Exec(ctx, "UPDATE accounts ...")
//	publisher.PublishAfterCommit(ctx, event)
//	err = tx.Commit(ctx) // then the events go to the bus
//
// The transaction holds the log's head row from its first append to its
// end, as every append does, so other appends wait for it: keep it short
// after its first publish. It must be READ COMMITTED (pgx's default); in
// a stricter isolation an append that races another fails with a
// serialization error. A Tx is for one goroutine, as a pgx.Tx is.
type Tx struct {
	pgx.Tx

	mu         sync.Mutex
	done       bool
	holdsHead  bool
	onCommit   []func(context.Context) error
	onRollback []func(context.Context)
}

var _ herald.Tx = (*Tx)(nil)

// WrapTx returns tx, a transaction the application began on the store's
// database, with hooks. A nil tx gives nil.
func WrapTx(tx pgx.Tx) *Tx {
	if tx == nil {
		return nil
	}
	return &Tx{Tx: tx}
}

// Begin begins a transaction on the store's pool.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	if err := s.check(ctx, "begin"); err != nil {
		return nil, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, s.wrap("begin", err)
	}
	return WrapTx(tx), nil
}

// OnCommit registers fn to run after Commit committed, in the order
// registered.
func (t *Tx) OnCommit(fn func(ctx context.Context) error) error {
	if fn == nil {
		return fmt.Errorf("pgstore: tx: on commit: the hook is nil: %w", herald.ErrInvalid)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return herald.ErrTxDone
	}
	t.onCommit = append(t.onCommit, fn)
	return nil
}

// OnRollback registers fn to run after the transaction rolled back.
func (t *Tx) OnRollback(fn func(ctx context.Context)) error {
	if fn == nil {
		return fmt.Errorf("pgstore: tx: on rollback: the hook is nil: %w", herald.ErrInvalid)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return herald.ErrTxDone
	}
	t.onRollback = append(t.onRollback, fn)
	return nil
}

func (t *Tx) end() (commit []func(context.Context) error, rollback []func(context.Context), ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil, nil, false
	}
	t.done = true
	commit, rollback = t.onCommit, t.onRollback
	t.onCommit, t.onRollback = nil, nil
	return commit, rollback, true
}

// Commit commits the transaction and then runs the commit hooks, which
// deliver what was published in it; their errors are joined. When the
// commit fails the rollback hooks run instead, and its error is returned.
func (t *Tx) Commit(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("pgstore: tx: commit: the context is nil: %w", herald.ErrInvalid)
	}
	commit, rollback, ok := t.end()
	if !ok {
		return pgx.ErrTxClosed
	}
	if err := t.Tx.Commit(ctx); err != nil {
		runRollback(ctx, rollback)
		return err
	}
	var errs []error
	for _, fn := range commit {
		errs = append(errs, runHook(ctx, fn))
	}
	return errors.Join(errs...)
}

// Rollback rolls the transaction back and runs the rollback hooks. After
// Commit it does nothing and returns pgx.ErrTxClosed, as pgx's does, so
// it can be deferred.
func (t *Tx) Rollback(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("pgstore: tx: rollback: the context is nil: %w", herald.ErrInvalid)
	}
	_, rollback, ok := t.end()
	if !ok {
		return pgx.ErrTxClosed
	}
	err := t.Tx.Rollback(ctx)
	runRollback(ctx, rollback)
	return err
}

func runRollback(ctx context.Context, hooks []func(context.Context)) {
	for _, fn := range hooks {
		_ = runHook(ctx, func(ctx context.Context) error { fn(ctx); return nil })
	}
}

func runHook(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pgstore: tx: a commit hook panicked: %v", r)
		}
	}()
	return fn(ctx)
}

// holding reports whether the transaction appended, and so holds the
// head row until it ends.
func (t *Tx) holding() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.holdsHead && !t.done
}

// errInsideTx is the error of an append that would wait for the
// transaction its own caller holds.
var errInsideTx = fmt.Errorf("the context holds a transaction that appended (ContextWithTx), "+
	"and this append would wait for it to end: inside the transaction, publish with "+
	"PublishAfterCommit or PublishBatchAfterCommit: %w", herald.ErrInvalid)

type txKey struct{}

// ContextWithTx returns a context that carries tx: PublishAfterCommit
// and PublishBatchAfterCommit append inside it (driver.TxStore), and it
// is the context's herald.Tx too. A nil ctx gives nil.
func ContextWithTx(ctx context.Context, tx *Tx) context.Context {
	if ctx == nil {
		return nil
	}
	if tx == nil {
		return ctx
	}
	return herald.ContextWithTx(context.WithValue(ctx, txKey{}, tx), tx)
}

// TxFrom returns the transaction ContextWithTx put in ctx.
func TxFrom(ctx context.Context) (*Tx, bool) {
	if ctx == nil {
		return nil, false
	}
	tx, ok := ctx.Value(txKey{}).(*Tx)
	return tx, ok && tx != nil
}

// AppendInCallerTx appends events inside the transaction ctx carries
// (ContextWithTx), as driver.TxStore says; committed runs after its
// Commit.
func (s *Store) AppendInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error) {
	return s.appendInTx(ctx, events, committed, false, "append in the caller's transaction")
}

// AppendUndeliveredInCallerTx is AppendInCallerTx that also records the
// events as not yet delivered.
func (s *Store) AppendUndeliveredInCallerTx(ctx context.Context, events []herald.Event, committed func()) (bool, error) {
	return s.appendInTx(ctx, events, committed, true, "append undelivered in the caller's transaction")
}

func (s *Store) appendInTx(ctx context.Context, events []herald.Event, committed func(), undelivered bool, what string) (bool, error) {
	if ctx == nil {
		return false, fmt.Errorf("pgstore: %s: the context is nil: %w", what, herald.ErrInvalid)
	}
	t, ok := TxFrom(ctx)
	if !ok {
		return false, nil
	}
	if err := s.check(ctx, what); err != nil {
		return true, err
	}
	if len(events) == 0 {
		return true, nil
	}
	r, err := prepare(s.Registry(), events, undelivered)
	if err == nil {
		err = s.seal(ctx, r)
	}
	if err != nil {
		return true, s.wrap(what, err)
	}
	// A savepoint, so that a failed statement leaves the caller's
	// transaction usable.
	sp, err := t.Tx.Begin(ctx)
	if err != nil {
		return true, s.wrap(what, err)
	}
	if _, err := s.writeGroup(ctx, sp, []*request{r}, false); err != nil {
		_ = sp.Rollback(ctx)
		return true, s.wrap(what, err)
	}
	if err := sp.Commit(ctx); err != nil {
		return true, s.wrap(what, err)
	}
	t.mu.Lock()
	t.holdsHead = true
	t.mu.Unlock()
	if r.err != nil {
		return true, fmt.Errorf("pgstore: %s: %w", what, r.err)
	}
	r.apply()
	err = t.OnCommit(func(context.Context) error {
		s.feed.poke()
		if committed != nil {
			committed()
		}
		return nil
	})
	if err != nil {
		return true, fmt.Errorf("pgstore: %s: %w", what, err)
	}
	return true, nil
}
