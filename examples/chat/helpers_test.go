package main

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startChat serves a chat on an in-memory store on 127.0.0.1 at a free
// port until the test ends, and returns its base URL.
func startChat(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := openChat(ctx, storeFlags{memory: true})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		require.NoError(t, app.close())
		require.NoError(t, err)
	}
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, app, nil) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-served)
		require.NoError(t, app.close())
	})
	return "http://" + ln.Addr().String()
}

// postgresDSN returns HERALD_POSTGRES_DSN, or the machine's server when
// it answers; "" when it does not, unless HERALD_REQUIRE_SERVICES=1,
// which fails t.
func postgresDSN(t *testing.T) string {
	if dsn := os.Getenv("HERALD_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:5432", 5*time.Second)
	if err == nil {
		conn.Close()
		return "postgres://postgres@127.0.0.1:5432/test"
	}
	if os.Getenv("HERALD_REQUIRE_SERVICES") == "1" {
		t.Fatalf("no PostgreSQL at 127.0.0.1:5432: %v", err)
	}
	return ""
}
