package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/require"
)

// TestOneEndpointDownHoldsBackNoOther has 100 subscriptions, one of whose
// endpoints hangs on every request until the test ends: the other 99 get
// every event all the same, and the publisher is never held up.
func TestOneEndpointDownHoldsBackNoOther(t *testing.T) {
	a := newApp(t)
	release := make(chan struct{})
	var hung atomic.Int64
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(down.Close)
	t.Cleanup(func() { close(release) })
	d, err := webhook.NewDispatcher(a.store, a.bus, webhook.WithTimeout(10*time.Minute))
	require.NoError(t, err)
	subscribe(t, d, down.URL)
	receivers := make([]*receiver, 99)
	for i := range receivers {
		receivers[i] = newReceiver(t)
		subscribe(t, d, receivers[i].srv.URL)
	}
	run(t, d)
	const events = 10
	for range events {
		a.publish(t, "sent", nil)
	}
	eventually(t, "the hung endpoint called", func() bool { return hung.Load() >= 1 })
	for i, r := range receivers {
		eventually(t, "every event at each receiver", func() bool { return len(r.events()) == events })
		require.Zero(t, r.bad, "receiver %d", i)
	}
}
