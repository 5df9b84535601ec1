package pushsocketio

import (
	"net/http"
	"strings"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// maxAnswer is how much of push's answer to a refused client is kept.
const maxAnswer = 1 << 10

// answer takes push's HTTP answer to a client it refuses, which the
// client then gets as connect_error.
type answer struct {
	header http.Header
	status int
	body   []byte
}

func (a *answer) Header() http.Header {
	if a.header == nil {
		a.header = http.Header{}
	}
	return a.header
}

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	a.body = append(a.body, b[:min(len(b), maxAnswer-len(a.body))]...)
	return len(b), nil
}

// refusal is the connect_error of a: push's message, and its status as
// {"status": 403}.
func (a *answer) refusal() *socket.ExtendedError {
	status := a.status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := strings.TrimSpace(string(a.body))
	if msg == "" {
		msg = "pushsocketio: the stream could not be opened: " + http.StatusText(status)
	}
	return socket.NewExtendedError(msg, map[string]any{"status": status})
}
