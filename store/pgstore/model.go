package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
)

// Model returns a projection model in the store's database: handlers
// write the read model, in tables of the application's own, with the
// pgx.Tx they are given, the transaction in which the projection also
// saves its checkpoint (in the store's projections table). The two commit
// together or not at all, so each event takes effect exactly once, across
// crashes too. View gives a read-only transaction.
//
// Handlers must not append to the store with the transaction's context:
// the transaction would hold the head row that the append waits for.
// Model(nil) is a nil Model, which projection.New refuses.
func Model(s *Store) projection.Model[pgx.Tx] {
	if s == nil {
		return nil
	}
	return &model{s: s}
}

type model struct{ s *Store }

func (m *model) Atomic() bool { return true }

func (m *model) Load(ctx context.Context, name string) (projection.Checkpoint, bool, error) {
	if err := m.s.check(ctx, "model: load checkpoint"); err != nil {
		return projection.Checkpoint{}, false, err
	}
	var pos, version, gen int64
	err := m.s.pool.QueryRow(ctx, "SELECT position, version, generation FROM "+m.s.q+".projections WHERE name = $1", name).
		Scan(&pos, &version, &gen)
	if errors.Is(err, pgx.ErrNoRows) {
		return projection.Checkpoint{}, false, nil
	}
	if err != nil {
		return projection.Checkpoint{}, false, m.s.wrap("model: load checkpoint of "+name, err)
	}
	return projection.Checkpoint{Position: uint64(pos), Version: int(version), Generation: uint64(gen)}, true, nil
}

func (m *model) Apply(ctx context.Context, name string, cp projection.Checkpoint, fn func(tx pgx.Tx) error) error {
	if err := m.s.check(ctx, "model: apply"); err != nil {
		return err
	}
	var fnErr error
	err := pgx.BeginFunc(ctx, m.s.pool, func(tx pgx.Tx) error {
		if fnErr = fn(tx); fnErr != nil {
			return fnErr
		}
		_, err := tx.Exec(ctx, "INSERT INTO "+m.s.q+".projections (name, position, version, generation) VALUES ($1, $2, $3, $4) "+
			"ON CONFLICT (name) DO UPDATE SET position = excluded.position, version = excluded.version, generation = excluded.generation",
			name, int64(cp.Position), int64(cp.Version), int64(cp.Generation))
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	return m.s.wrap("model: apply "+name, err)
}

func (m *model) View(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if err := m.s.check(ctx, "model: view"); err != nil {
		return err
	}
	tx, err := m.s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return m.s.wrap("model: view", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return fn(tx)
}

// TruncateTables returns a reset hook for a projection on Model that
// empties the tables names (qualified or not, as SQL names them) in the
// transaction that also clears the checkpoint. The hook refuses a nil tx
// with an error matching herald.ErrInvalid.
func TruncateTables(names ...string) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		if tx == nil {
			return fmt.Errorf("pgstore: truncate tables: the transaction is nil: %w", herald.ErrInvalid)
		}
		for _, name := range names {
			if _, err := tx.Exec(ctx, "TRUNCATE "+name); err != nil {
				return fmt.Errorf("pgstore: truncate %s: %w", name, err)
			}
		}
		return nil
	}
}
