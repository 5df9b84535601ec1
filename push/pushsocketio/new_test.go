package pushsocketio_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push/pushsocketio"
)

func TestNewRefusesBadInput(t *testing.T) {
	p := pushtest.New(t)
	for _, tc := range []struct {
		name string
		new  func() (*pushsocketio.Server, error)
		want string
	}{
		{"no push server", func() (*pushsocketio.Server, error) { return pushsocketio.New(nil) }, "the push server is nil"},
		{"nil option", func() (*pushsocketio.Server, error) { return pushsocketio.New(p.Server, nil) }, "option 0 is nil"},
		{"empty tenant label", func() (*pushsocketio.Server, error) {
			return pushsocketio.New(p.Server, pushsocketio.WithTenantLabel(""))
		}, "the tenant label is empty"},
		{"no heartbeat", func() (*pushsocketio.Server, error) {
			return pushsocketio.New(p.Server, pushsocketio.WithHeartbeat(0, 1))
		}, "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.new()
			require.ErrorIs(t, err, herald.ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
			assert.Nil(t, s)
		})
	}
}

func TestCloseTwiceIsErrClosed(t *testing.T) {
	s, err := pushsocketio.New(pushtest.New(t).Server)
	require.NoError(t, err)
	require.NoError(t, s.Close(context.Background()))
	require.ErrorIs(t, s.Close(context.Background()), herald.ErrClosed)
	//nolint:staticcheck // a nil context is what is tested
	require.ErrorIs(t, s.Close(nil), herald.ErrInvalid)
}

func TestEventName(t *testing.T) {
	e := pushtest.Message("sent", "hi", nil)
	assert.Equal(t, "communication.message:sent", pushsocketio.EventName(&e))
	assert.Equal(t, "", pushsocketio.EventName(nil))
}
