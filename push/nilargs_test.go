package push_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/push"
)

// TestNilAndZeroArguments calls every exported function and method of push
// with nil and zero arguments, ServeHTTP with nil and zero requests among
// them: none panics, bad input is an error matching herald.ErrInvalid (a
// 4xx answer for a request), and zero input that is valid gives what the
// documentation says.
func TestNilAndZeroArguments(t *testing.T) {
	ctx := context.Background()
	var nilContext context.Context
	store := newMemstore(t)
	t.Cleanup(func() { _ = store.Close() })
	newServer := func(t *testing.T) *push.Server {
		s, err := push.New(ctx, store, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close(ctx) })
		return s
	}
	newWith := func(opts ...push.Option) func(*testing.T) error {
		return func(*testing.T) error {
			s, err := push.New(ctx, store, nil, opts...)
			if err == nil {
				err = s.Close(ctx)
			}
			return err
		}
	}
	// serve answers r on a server with a public stream of every event,
	// and returns the status.
	serve := func(t *testing.T, r *http.Request) int {
		s := newServer(t)
		require.NoError(t, s.Register(push.Stream{ID: "all", PublicSubscribe: true, Events: []push.StreamEvent{{Name: "*.*.*"}}}))
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	nilargs.Run(t, []nilargs.Case{
		{Name: "New(nil, nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := push.New(nilContext, nil, nil)
			return err
		}},
		{Name: "New(nil, store, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := push.New(nilContext, store, nil)
			return err
		}},
		{Name: "New(ctx, nil, nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := push.New(ctx, nil, nil)
			return err
		}},
		{Name: "valid: New(ctx, store, nil) polls the store", Call: newWith()},
		{Name: "valid: New(ctx, store, nil, nil) ignores the nil option", Call: newWith(nil)},
		{Name: "WithAuthenticator(nil)", Want: herald.ErrInvalid, Names: "WithAuthenticator", Call: newWith(push.WithAuthenticator(nil))},
		{Name: "WithBufferSize(0)", Want: herald.ErrInvalid, Names: "WithBufferSize", Call: newWith(push.WithBufferSize(0))},
		{Name: "WithHeartbeat(0)", Want: herald.ErrInvalid, Names: "WithHeartbeat", Call: newWith(push.WithHeartbeat(0))},
		{Name: "WithWriteTimeout(0)", Want: herald.ErrInvalid, Names: "WithWriteTimeout", Call: newWith(push.WithWriteTimeout(0))},
		{Name: "WithPollInterval(-1)", Want: herald.ErrInvalid, Names: "WithPollInterval", Call: newWith(push.WithPollInterval(-1))},
		{Name: "valid: WithPollInterval(0) takes the default", Call: newWith(push.WithPollInterval(0))},
		{Name: "WithName(\"\")", Want: herald.ErrInvalid, Names: "WithName", Call: newWith(push.WithName(""))},
		{Name: "valid: WithLogger(nil) is silent", Call: newWith(push.WithLogger(nil))},
		{Name: "valid: WithRegistry(nil) checks nothing", Call: newWith(push.WithRegistry(nil))},
		{Name: "valid: Anonymous(nil) is anonymous", Call: func(t *testing.T) error {
			user, roles, err := push.Anonymous(nil)
			assert.Nil(t, user)
			assert.Empty(t, roles)
			return err
		}},

		{Name: "Server.Register(Stream{})", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newServer(t).Register(push.Stream{})
		}},
		{Name: "Server.Register(Stream{ID, Events: []StreamEvent{{}}})", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newServer(t).Register(push.Stream{ID: "s", PublicSubscribe: true, Events: []push.StreamEvent{{}}})
		}},
		{Name: "Server.Register(Tail(\"\"))", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newServer(t).Register(push.Tail(""))
		}},
		{Name: "valid: Server.Register() registers nothing", Call: func(t *testing.T) error {
			s := newServer(t)
			assert.Empty(t, s.Streams())
			assert.Zero(t, statusOf(t, s).Streams)
			return s.Register()
		}},
		{Name: "Server.Status(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			_, err := newServer(t).Status(nilContext)
			return err
		}},
		{Name: "Server.Close(nil)", Want: herald.ErrInvalid, Call: func(t *testing.T) error {
			return newServer(t).Close(nilContext)
		}},
		{Name: "valid: Server.ServeHTTP(w, nil) is 400", Call: func(t *testing.T) error {
			assert.Equal(t, http.StatusBadRequest, serve(t, nil))
			return nil
		}},
		{Name: "valid: Server.ServeHTTP(w, &http.Request{}) is 400", Call: func(t *testing.T) error {
			assert.Equal(t, http.StatusBadRequest, serve(t, &http.Request{}))
			return nil
		}},
		{Name: "valid: Server.ServeHTTP of /streams/ is 404", Call: func(t *testing.T) error {
			assert.Equal(t, http.StatusNotFound, serve(t, httptest.NewRequest(http.MethodGet, "/streams/", nil)))
			return nil
		}},
		{Name: "valid: Server.ServeHTTP with empty lastEventId and criteria streams", Call: func(t *testing.T) error {
			r := httptest.NewRequestWithContext(cancelled, http.MethodGet, "/streams/all?lastEventId=&criteria=", nil)
			assert.Equal(t, http.StatusOK, serve(t, r))
			return nil
		}},
		{Name: "valid: (*Criteria)(nil) and Criteria{} hold for every event, of no nil event", Call: func(t *testing.T) error {
			e := &herald.Event{}
			assert.True(t, (*push.Criteria)(nil).Match(e))
			assert.True(t, (&push.Criteria{}).Match(e))
			assert.False(t, (*push.Criteria)(nil).Match(nil))
			assert.False(t, (&push.Criteria{}).Match(nil))
			return nil
		}},
	})
}
