package pushsocketio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
)

// ParamStream is the query parameter that names the stream a client
// joins, as in io("/acme?stream=messages").
const ParamStream = "stream"

// maxTenant is the longest tenant a namespace may name, in bytes.
const maxTenant = 256

// engineParams are the query parameters of socket.io's own, which the
// stream's request does not get.
var engineParams = []string{"EIO", "transport", "t", "sid", "j", "b64"}

// tenantOf returns the tenant of the namespace name, "/acme" for acme,
// and whether it is one: not empty, at most maxTenant bytes of UTF-8
// without spaces or control characters.
func tenantOf(name string) (string, bool) {
	tenant := strings.TrimPrefix(name, "/")
	if tenant == "" || len(tenant) > maxTenant || !utf8.ValidString(tenant) {
		return "", false
	}
	for _, r := range tenant {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", false
		}
	}
	return tenant, true
}

// streamRequest returns the id of the stream sock asks for and the
// request push serves it for: sock's handshake at the stream's path, with
// criteria that keep to the tenant's events. A missing stream or
// malformed criteria is an error matching herald.ErrInvalid.
func streamRequest(ctx context.Context, sock *socket.Socket, label, tenant string) (string, *http.Request, error) {
	h := sock.Handshake()
	q := h.Query.Query()
	ids := q[ParamStream]
	if len(ids) != 1 || ids[0] == "" {
		return "", nil, fmt.Errorf("pushsocketio: name the stream once with the %s query parameter, as in io(\"/%s?%s=…\"): %w",
			ParamStream, tenant, ParamStream, herald.ErrInvalid)
	}
	id := ids[0]
	for _, p := range append(engineParams, ParamStream) {
		q.Del(p)
	}
	if err := keepToTenant(q, label, tenant); err != nil {
		return "", nil, err
	}
	u := &url.URL{Path: "/streams/" + id, RawPath: "/streams/" + url.PathEscape(id), RawQuery: q.Encode()}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", nil, fmt.Errorf("pushsocketio: the stream %q: %w", id, herald.ErrInvalid)
	}
	for k, v := range h.Headers {
		switch v := v.(type) {
		case string:
			r.Header.Add(k, v)
		case []string:
			for _, s := range v {
				r.Header.Add(k, s)
			}
		}
	}
	if token, ok := h.Auth["token"].(string); ok && token != "" && r.Header.Get("Authorization") == "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	r.Host = r.Header.Get("Host")
	r.RemoteAddr = h.Address
	return id, r, nil
}

// keepToTenant sets the criteria query parameter of q to the client's
// criteria, if any, with the tenant label set to tenant. Criteria that
// name another tenant are refused.
func keepToTenant(q url.Values, label, tenant string) error {
	invalid := func(reason string) error {
		return fmt.Errorf("pushsocketio: the %s query parameter: %s: %w", push.ParamCriteria, reason, herald.ErrInvalid)
	}
	var c push.Criteria
	switch vs := q[push.ParamCriteria]; {
	case len(vs) > 1:
		return invalid("give it once")
	case len(vs) == 1 && strings.TrimSpace(vs[0]) != "":
		dec := json.NewDecoder(bytes.NewReader([]byte(vs[0])))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return invalid(err.Error())
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return invalid("text after the JSON object")
		}
	}
	if v, ok := c.Labels[label]; ok && v != tenant {
		return invalid(fmt.Sprintf("the label %q is the namespace's tenant, not %q", label, v))
	}
	c.Labels = maps.Clone(c.Labels)
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	c.Labels[label] = tenant
	b, err := json.Marshal(c)
	if err != nil {
		return invalid(err.Error())
	}
	q.Set(push.ParamCriteria, string(b))
	return nil
}
