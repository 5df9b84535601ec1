package pgstore

import (
	"context"
)

// Checkpoints returns the position of every checkpoint the store keeps,
// by consumer name: those saved with SaveCheckpoint (durable
// subscriptions, flows) and those of the projections whose read models
// live in the database (Model). It is what a command-line tool lists as
// the consumers of a database.
func (s *Store) Checkpoints(ctx context.Context) (map[string]uint64, error) {
	if err := s.check(ctx, "list checkpoints"); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT name, position FROM "+s.q+".checkpoints UNION ALL SELECT name, position FROM "+s.q+".projections")
	if err != nil {
		return nil, s.wrap("list checkpoints", err)
	}
	defer rows.Close()
	all := make(map[string]uint64)
	for rows.Next() {
		var name string
		var pos int64
		if err := rows.Scan(&name, &pos); err != nil {
			return nil, s.wrap("list checkpoints", err)
		}
		all[name] = uint64(pos)
	}
	return all, s.wrap("list checkpoints", rows.Err())
}
