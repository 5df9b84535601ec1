package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/herald-go/herald"
)

// The migrations, one file per version of the schema, applied in the
// order of their numbers. A released file never changes: a change of the
// schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// ErrNewerSchema is returned by Open and New when the schema was written
// by a newer version of this package than the running one. It matches
// herald.ErrInvalid too.
var ErrNewerSchema = errors.New("pgstore: the schema is newer than this library")

// ErrSchema is returned by Open and New when the schema is not what this
// package made of it: a table or a column is missing. It matches
// herald.ErrInvalid too.
var ErrSchema = errors.New("pgstore: the schema does not match")

// migration is one version of the schema.
type migration struct {
	version int
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: no version number", e.Name())
		}
		b, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	// Versions count from 1 without a gap and end at SchemaVersion: a
	// schema at version n has had every migration up to n.
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d", strconv.Itoa(m.version), i+1)
		}
	}
	if len(out) == 0 || out[len(out)-1].version != SchemaVersion {
		return nil, fmt.Errorf("the last migration is not version %d", SchemaVersion)
	}
	return out, nil
}

// SchemaVersion is the version of the schema this package writes.
const SchemaVersion = 4

// columns are the columns each table of the schema has, which Open
// checks.
var columns = map[string][]string{
	"meta":        {"version"},
	"head":        {"one", "position", "events"},
	"events":      eventColumnNames,
	"counts":      {"name", "events"},
	"snapshots":   {"aggregate_id", "context", "aggregate", "revision", "state"},
	"checkpoints": {"name", "position"},
	"undelivered": {"position"},
	"dead_letters": append([]string{"consumer", "position", "attempts", "error", "parked", "at_ns"},
		eventColumnNames[1:]...),
	"projections":   {"name", "position", "version", "generation"},
	"subscriptions": {"id", "data"},
	"user_keys":     {"user_id", "key"},
}

// lockKey returns the key of an advisory lock of the schema for what.
func lockKey(schema, what string) int64 {
	h := fnv.New64a()
	h.Write([]byte("herald\x00" + schema + "\x00" + what))
	return int64(h.Sum64())
}

// migrate creates the schema or brings it to SchemaVersion, in one
// transaction under an advisory lock, so processes that open the store
// together apply each migration once; then it checks the tables.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load the migrations: %w", err)
	}
	q := pgx.Identifier{schema}.Sanitize()
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey(schema, "migrate")); err != nil {
			return fmt.Errorf("lock the schema: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+q); err != nil {
			return fmt.Errorf("create the schema: %w", err)
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+q+".meta (version integer NOT NULL)"); err != nil {
			return fmt.Errorf("create the meta table: %w", err)
		}
		var version int
		err := tx.QueryRow(ctx, "SELECT version FROM "+q+".meta").Scan(&version)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, "INSERT INTO "+q+".meta (version) VALUES (0)"); err != nil {
				return fmt.Errorf("write the version: %w", err)
			}
		case err != nil:
			return fmt.Errorf("read the version: %w", err)
		}
		if version > SchemaVersion {
			return fmt.Errorf("schema %s is at version %d, this library knows versions up to %d: %w: %w",
				schema, version, SchemaVersion, ErrNewerSchema, herald.ErrInvalid)
		}
		for _, m := range ms {
			if m.version <= version {
				continue
			}
			if _, err := tx.Exec(ctx, strings.ReplaceAll(m.sql, "{{schema}}", q)); err != nil {
				return fmt.Errorf("migrate to version %d: %w", m.version, err)
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE "+q+".meta SET version = $1", SchemaVersion); err != nil {
			return fmt.Errorf("write the version: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return checkSchema(ctx, pool, schema)
}

// checkSchema refuses a schema whose tables lack a column this package
// uses, naming the first table and column missing.
func checkSchema(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	rows, err := pool.Query(ctx, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1", schema)
	if err != nil {
		return fmt.Errorf("read the columns: %w", err)
	}
	have := make(map[string]bool)
	var table, column string
	_, err = pgx.ForEachRow(rows, []any{&table, &column}, func() error {
		have[table+"."+column] = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the columns: %w", err)
	}
	tables := make([]string, 0, len(columns))
	for t := range columns {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		for _, c := range columns[t] {
			if !have[t+"."+c] {
				return fmt.Errorf("table %s.%s has no column %s: %w: %w", schema, t, c, ErrSchema, herald.ErrInvalid)
			}
		}
	}
	return nil
}
