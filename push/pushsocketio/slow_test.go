package pushsocketio_test

import (
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push"
)

// A client that reads nothing is cut off once it falls more than the
// buffer behind, and its connection closed: socket.io, which queues what
// is emitted, does not hide it from push, and the publisher goes on. The
// client speaks the engine.io protocol over a WebSocket itself, so that it
// can stop reading.
func TestSocketIOCutsASlowClientOff(t *testing.T) {
	e := newEnvOf(t, pushtest.New(t, push.WithBufferSize(16)))
	ctx := context.Background()
	u := "ws" + strings.TrimPrefix(e.web.URL, "http") + "/socket.io/?EIO=4&transport=websocket&stream=" + pushtest.StreamAll
	ws, _, err := websocket.Dial(ctx, u, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.CloseNow() })
	_, open, err := ws.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(open), "0{"), "engine.io's open packet: %s", open)
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte("40/acme,")))
	_, ack, err := ws.Read(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(ack), "40/acme,{"), "the namespace's connect packet: %s", ack)
	e.WaitClients(1)

	big := strings.Repeat("x", 16<<10)
	for i := 0; e.Status().CutOff == 0; i++ {
		require.Less(t, i, 100_000, "the slow client is never cut off")
		e.Publish("", pushtest.Message("sent", big, acme))
	}
	e.WaitClients(0)
	ws.SetReadLimit(-1)
	readCtx, cancel := context.WithTimeout(ctx, pushtest.Patience)
	defer cancel()
	for {
		if _, _, err := ws.Read(readCtx); err != nil {
			require.NoError(t, readCtx.Err(), "the connection is closed")
			break
		}
	}
}
