package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/herald-go/herald/internal/retry"
)

func TestWait(t *testing.T) {
	b := retry.New(time.Nanosecond, time.Nanosecond, 3)
	assert.True(t, b.Wait(context.Background(), nil, 1))
	assert.True(t, b.Wait(context.Background(), nil, 2))

	stop := make(chan struct{})
	close(stop)
	slow := retry.New(time.Hour, time.Hour, 3)
	assert.False(t, slow.Wait(context.Background(), stop, 1), "stopped before it waits")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, slow.Wait(ctx, nil, 1), "context ended before it waits")
}
