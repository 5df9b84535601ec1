package push

import (
	"context"
	"errors"
	"net/http"

	"github.com/herald-go/herald"
)

// Message is one event of a stream as a transport other than server-sent
// events sends it: Data is the JSON of the whole envelope, or of the
// stream's map of the event.
type Message struct {
	// Position is the event's position in the log; a client resumes after
	// it with the lastEventId query parameter.
	Position uint64
	// Event is the event sent; a transport reads its name or labels, and
	// must not change it.
	Event *herald.Event
	// Data is the JSON sent, valid only during the call to Send.
	Data []byte
}

// Conn is the transport-neutral seam of the push server: a WebSocket or
// socket.io adapter implements it for one connection and hands it to
// [Server.ServeConn], which does the rest as it does for server-sent
// events: authentication, authorization per event, criteria, map, resume
// and the cut-off of a slow client.
type Conn interface {
	// Send sends one message. ctx ends when the write timeout passes (one
	// timeout covers the messages gathered for one write, as over
	// server-sent events) or the client is cut off; Send must then give
	// up and return an error.
	Send(ctx context.Context, m Message) error
}

// ServeConn serves the stream id to the client of r over the connection
// that upgrade returns, checking r as GET /streams/{id} does: it answers
// w itself (401, 403, 404, 400 or 503 as [Server.ServeHTTP] does) and does
// not call upgrade when the client may not open the stream. Otherwise it
// calls upgrade, which takes the connection over, and sends each event
// the client may see until r's context ends, the server closes, the
// client is cut off or Send fails. upgrade reports its own errors; the
// connection is the caller's to close after ServeConn returns.
func (s *Server) ServeConn(w http.ResponseWriter, r *http.Request, id string, upgrade func() (Conn, error)) {
	if r == nil || r.URL == nil || upgrade == nil {
		httpError(w, http.StatusBadRequest, "push: the request has no URL or no upgrade")
		return
	}
	r.SetPathValue("id", id)
	s.open(w, r, upgrade)
}

// gather adds the message of e to those flush sends.
func (c *client) gather(e *herald.Event, se *streamEvent, cached *entry) error {
	data, err := payload(e, se, cached)
	if err != nil {
		return err
	}
	c.msgs = append(c.msgs, Message{Position: e.Metadata.Position, Event: e, Data: data})
	c.msgBytes += len(data)
	return nil
}

// gathered is how many bytes wait for flush.
func (c *client) gathered() int {
	if c.conn == nil {
		return len(c.buf)
	}
	return c.msgBytes
}

// send sends the gathered messages, all within the write timeout, as
// server-sent events write what they gathered within it.
func (c *client) send() error {
	defer func() { clear(c.msgs); c.msgs, c.msgBytes = c.msgs[:0], 0 }()
	ctx, cancel := context.WithTimeout(c.sendCtx, c.s.writeTimeout)
	defer cancel()
	for _, m := range c.msgs {
		if err := c.conn.Send(ctx, m); err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				c.cut("a write timed out", true)
			}
			return err
		}
	}
	return nil
}
