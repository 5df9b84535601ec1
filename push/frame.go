package push

import (
	"bytes"
	"strconv"

	"github.com/herald-go/herald"
)

// heartbeat is the comment a stream sends when it has been quiet: clients
// ignore it, and it keeps proxies from closing the connection and tells
// the server when a client is gone.
const heartbeat = ": heartbeat\n\n"

// appendFrame appends the server-sent event of e carrying data:
//
//	id: 42
//	event: communication.message.sent
//	data: {…}
//
// followed by a blank line. The data is compact JSON, so it fits on one
// data line; a line break in it would start another. The event's name
// goes on one line too, with any CR or LF, which the format cannot carry,
// replaced by a space.
func appendFrame(b []byte, e *herald.Event, data []byte) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, e.Metadata.Position, 10)
	b = append(b, "\nevent: "...)
	b = appendLine(b, e.Aggregate.Context)
	b = append(b, '.')
	b = appendLine(b, e.Aggregate.Name)
	b = append(b, '.')
	b = appendLine(b, e.Name)
	b = append(b, '\n')
	for {
		line, rest, more := bytes.Cut(data, []byte{'\n'})
		b = append(b, "data: "...)
		b = append(b, bytes.TrimSuffix(line, []byte{'\r'})...)
		b = append(b, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(b, '\n')
}

// appendLine appends s with CR and LF replaced by spaces.
func appendLine(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
