package main

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// startChat serves a chat on an in-memory store on 127.0.0.1 at a free
// port until the test ends, and returns its base URL.
func startChat(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := openChat(ctx, "", true)
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
