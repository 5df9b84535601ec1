package driver_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

func TestSafeHandle(t *testing.T) {
	ctx := context.Background()
	e := sentEvent()
	var got herald.Event
	err := driver.SafeHandle(ctx, herald.HandlerFunc(func(_ context.Context, e herald.Event) error {
		got = e
		return io.ErrUnexpectedEOF
	}), e)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the handler's error as it is")
	assert.Equal(t, e.ID, got.ID)

	for name, value := range map[string]any{"a string": "broke", "an error": io.ErrClosedPipe} {
		t.Run("a panic with "+name, func(t *testing.T) {
			err := driver.SafeHandle(ctx, herald.HandlerFunc(func(context.Context, herald.Event) error {
				panic(value)
			}), e)
			var perr *herald.PanicError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, value, perr.Value)
			assert.Contains(t, string(perr.Stack), "TestSafeHandle")
			if v, ok := value.(error); ok {
				assert.True(t, errors.Is(err, v), "errors.Is sees through the panic")
			}
		})
	}
}
