package push_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix/prefixtest"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/store/memstore"
)

// TestErrorsReadOneWay checks that the server's errors read
// "push: what was done: detail: wrapped error", with one prefix also
// around the errors of match and the store.
func TestErrorsReadOneWay(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	store, err := memstore.New()
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	srv, err := push.New(ctx, store, nil)
	require.NoError(t, err)
	_, nilCtxErr := push.New(nilContext, store, nil)
	_, optionErr := push.New(ctx, store, nil, push.WithBufferSize(-1))
	badName := push.Stream{ID: "n", PublicSubscribe: true, Events: []push.StreamEvent{{Name: "a..b"}}}
	badPath := push.Stream{ID: "p", PublicSubscribe: true,
		Events: []push.StreamEvent{{Name: "*.*.*", Map: map[string]string{"k": "nope"}}}}
	cases := map[string]prefixtest.Case{
		"nil context": {nilCtxErr, herald.ErrInvalid},
		"bad option":  {optionErr, herald.ErrInvalid},
		"no events":   {srv.Register(push.Stream{ID: "x", PublicSubscribe: true}), herald.ErrInvalid},
		"bad names":   {srv.Register(badName), herald.ErrInvalid},
		"bad path":    {srv.Register(badPath), herald.ErrInvalid},
	}
	require.NoError(t, srv.Close(ctx))
	cases["closed"] = prefixtest.Case{Err: srv.Register(push.Tail("t")), Target: herald.ErrClosed}
	require.NoError(t, store.Close())
	_, closedStore := push.New(ctx, store, nil)
	cases["closed store"] = prefixtest.Case{Err: closedStore, Target: herald.ErrClosed}
	prefixtest.CheckAll(t, "push", cases)
}
