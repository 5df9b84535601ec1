package push_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/push"
)

// A request with a huge bad value gets a 400 that quotes a short prefix
// of it, never the whole.
func TestBadValuesAreNotEchoedBack(t *testing.T) {
	e := newEnv(t, []push.Stream{chat})
	huge := strings.Repeat("9x", 450_000) // 900 KB
	cases := map[string]struct {
		stream string
		req    request
		code   int
		names  string // what the answer says was wrong
	}{
		"a Last-Event-ID header":     {"chat", request{header: http.Header{"Last-Event-Id": {huge}}}, http.StatusBadRequest, `"9x9x`},
		"a lastEventId parameter":    {"chat", request{query: url.Values{push.ParamLastEventID: {huge}}}, http.StatusBadRequest, `"9x9x`},
		"a field of the criteria":    {"chat", request{query: url.Values{push.ParamCriteria: {`{"` + huge + `":1}`}}}, http.StatusBadRequest, `"9x9x`},
		"criteria that are not JSON": {"chat", request{query: url.Values{push.ParamCriteria: {"{" + huge}}}, http.StatusBadRequest, "criteria"},
		"a stream id":                {huge, request{}, http.StatusNotFound, `"9x9x`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, body := e.status(tc.stream, tc.req)
			assert.Equal(t, tc.code, code, body)
			assert.Less(t, len(body), 1024, "the response quotes a short prefix: %.200s", body)
			assert.Contains(t, body, tc.names, "the answer names what was wrong")
		})
	}
}
