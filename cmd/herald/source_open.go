package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/pgstore"
	"github.com/jackc/pgx/v5"
)

// openTimeout is how long the command waits for a bbolt file that
// another process holds before it says so.
const openTimeout = 300 * time.Millisecond

// openFile opens the bbolt store at path; with create a missing file
// becomes a new store.
func openFile(path string, create bool) (*storeSource, error) {
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	}
	open := func() (herald.Store, error) {
		s, err := boltstore.Open(path, boltstore.WithOpenTimeout(openTimeout))
		if errors.Is(err, boltstore.ErrLocked) {
			return nil, fmt.Errorf("%s: %w", path, errInUse)
		}
		return s, err
	}
	s, err := open()
	if err != nil {
		return nil, err
	}
	return &storeSource{store: s, reopen: open, state: "stopped", poll: 500 * time.Millisecond, head: -1}, nil
}

// errInUse is the error of a file another process holds.
var errInUse = errors.New("the file is in use by a running application; use --url")

// openPostgres opens the pgstore store at dsn, in schema when given;
// without create, a schema that does not exist is an error, not a new
// store.
func openPostgres(ctx context.Context, dsn, schema string, create bool) (*storeSource, error) {
	if schema == "" {
		schema = pgstore.DefaultSchema
	}
	if !create {
		if err := checkSchema(ctx, dsn, schema); err != nil {
			return nil, err
		}
	}
	s, err := pgstore.Open(ctx, dsn, pgstore.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	return &storeSource{store: s, poll: 200 * time.Millisecond, head: -1}, nil
}

// checkSchema returns an error when the database at dsn has no schema
// named schema.
func checkSchema(ctx context.Context, dsn, schema string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("pgstore: connect: %w", err)
	}
	defer conn.Close(ctx)
	var found bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&found); err != nil {
		return fmt.Errorf("pgstore: look for schema %q: %w", schema, err)
	}
	if !found {
		return fmt.Errorf("the database has no schema %q, so no store there (import makes one; --schema names another)", schema)
	}
	return nil
}
