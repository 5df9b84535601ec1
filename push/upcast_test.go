package push_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// SentV2 is communication.message.sent at version 2: the text became a
// body.
type SentV2 struct {
	Body string `json:"body"`
}

// Events stored at version 1, before the server starts and after, are
// sent in the shape of version 2, whether they come from the store or
// from the ring.
func TestStreamsSendTheCurrentVersion(t *testing.T) {
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[SentV2](r, "communication", "message", "sent", herald.WithVersion(2),
		herald.WithUpcast(1, func(data json.RawMessage) (json.RawMessage, error) {
			var v1 Sent
			if err := json.Unmarshal(data, &v1); err != nil {
				return nil, err
			}
			return json.Marshal(SentV2{Body: v1.Text})
		}))
	require.NoError(t, err)
	e := newEnvAfter(t, func(e *env) { e.say("before") }, []push.Stream{chat}, push.WithRegistry(r))
	c := e.open("chat", request{header: http.Header{"Last-Event-Id": {"0"}}})
	e.say("after")
	for _, want := range []string{"before", "after"} {
		var got herald.Event
		require.NoError(t, json.Unmarshal([]byte(c.event().Data), &got))
		assert.JSONEq(t, `{"body":"`+want+`"}`, string(got.Data.(json.RawMessage)))
		assert.Equal(t, 2, got.Metadata.Version)
	}
}
