package pushsocketio

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// conn sends a stream's messages to one socket as socket.io events.
//
// socket.io queues what is emitted and writes it on a goroutine of its
// own, so an emit never blocks: left alone, the queue of a client that
// does not read would grow without bound while push believes it keeps
// up. So Send waits, after its emit, until the transport has written
// what it had (its "drain" event), or until push's write timeout or
// cut-off ends ctx: a client that does not read then holds up its own
// stream only, which push cuts off, never the publisher, and at most a
// batch or two wait in socket.io's queue.
type conn struct {
	sock    *socket.Socket
	drained chan struct{} // gets a value when the transport drains
}

func newConn(sock *socket.Socket) *conn {
	c := &conn{sock: sock, drained: make(chan struct{}, 1)}
	eio := sock.Conn()
	_ = eio.Transport().On("drain", c.drain)
	_ = eio.On("upgrade", func(args ...any) {
		if len(args) > 0 {
			if t, ok := args[0].(transports.Transport); ok {
				_ = t.On("drain", c.drain)
			}
		}
	})
	return c
}

func (c *conn) drain(...any) {
	select {
	case c.drained <- struct{}{}:
	default:
	}
}

// Send emits the message under the event's name, "context.aggregate:name",
// with its data and position, and waits for the transport to take it.
func (c *conn) Send(ctx context.Context, m push.Message) error {
	// m.Data is valid during the call only, and socket.io may encode it
	// later: it gets a copy.
	data := json.RawMessage(bytes.Clone(m.Data))
	if err := c.sock.Emit(EventName(m.Event), data, m.Position); err != nil {
		return err
	}
	if c.sock.Conn().Transport().Writable() {
		return nil
	}
	select {
	case <-c.drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EventName is the socket.io event that carries e: ADSP's
// "namespace:name", with e's context and aggregate as the namespace, such
// as "communication.message:sent". A nil e has the name "".
func EventName(e *herald.Event) string {
	if e == nil {
		return ""
	}
	return e.Aggregate.Context + "." + e.Aggregate.Name + ":" + e.Name
}
