package pgstore_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/store/pgstore"
)

// dsn is the server the tests use: HERALD_POSTGRES_DSN, or the machine's
// own.
func dsn() string {
	if d := os.Getenv("HERALD_POSTGRES_DSN"); d != "" {
		return d
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

// needServer skips t when no server answers, or fails it under
// HERALD_REQUIRE_SERVICES=1 (as .ci/run sets).
func needServer(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn())
	if err == nil {
		_ = conn.Close(ctx)
		return
	}
	msg := fmt.Sprintf("no PostgreSQL at %s (%v); start one with "+
		"'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', or set HERALD_POSTGRES_DSN", dsn(), err)
	if os.Getenv("HERALD_REQUIRE_SERVICES") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var schemas atomic.Int64

// newSchema returns the name of a fresh schema, dropped when t ends.
func newSchema(t testing.TB) string {
	t.Helper()
	needServer(t)
	name := fmt.Sprintf("herald_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemas.Add(1))
	t.Cleanup(func() { dropSchema(name) })
	return name
}

func dropSchema(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn())
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
}

// openStore opens a store in a fresh schema, closed when t ends.
func openStore(t testing.TB, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	return openIn(t, newSchema(t), opts...)
}

// openIn opens a store in schema, closed when t ends.
func openIn(t testing.TB, schema string, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), dsn(), append([]pgstore.Option{pgstore.WithSchema(schema)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
