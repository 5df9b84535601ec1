package webhook_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateRefuses(t *testing.T) {
	a := newApp(t)
	strict, err := herald.NewRegistry(herald.WithStrict())
	require.NoError(t, err)
	_, err = herald.Define[struct{ Text string }](strict, "communication", "message", "sent")
	require.NoError(t, err)
	d, err := webhook.NewDispatcher(a.store, a.bus, webhook.WithRegistry(strict), webhook.WithDenyPrivate())
	require.NoError(t, err)
	good := webhook.Subscription{Service: webhook.Service{Name: "https://hooks.example.com/in", Version: "1.0.0"},
		EventTypes: []string{"communication.message.sent"}, Secret: testSecret}
	cases := []struct {
		name, field string
		change      func(s *webhook.Subscription)
	}{
		{"not http", "service.name", func(s *webhook.Subscription) { s.Service.Name = "ftp://hooks.example.com/" }},
		{"no URL", "service.name", func(s *webhook.Subscription) { s.Service.Name = "hooks" }},
		{"loopback", "service.name", func(s *webhook.Subscription) { s.Service.Name = "http://127.0.0.1:8080/" }},
		{"private", "service.name", func(s *webhook.Subscription) { s.Service.Name = "http://10.1.2.3/" }},
		{"localhost", "service.name", func(s *webhook.Subscription) { s.Service.Name = "http://localhost/" }},
		{"secret without prefix", "secret", func(s *webhook.Subscription) { s.Secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }},
		{"secret not base64", "secret", func(s *webhook.Subscription) { s.Secret = "whsec_not base64!" }},
		{"no event types", "eventTypes", func(s *webhook.Subscription) { s.EventTypes = nil }},
		{"malformed event type", "eventTypes", func(s *webhook.Subscription) { s.EventTypes = []string{"sent"} }},
		{"undefined event type", "eventTypes", func(s *webhook.Subscription) { s.EventTypes = []string{"billing.*.*"} }},
		{"version not semantic", "service.version", func(s *webhook.Subscription) { s.Service.Version = "v1" }},
		{"malformed pattern", "pattern", func(s *webhook.Subscription) { s.Pattern = `{"name":"sent"}` }},
		{"bad id", "id", func(s *webhook.Subscription) { s.ID = "a/b" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good
			c.change(&s)
			_, err := d.Create(context.Background(), s)
			require.ErrorIs(t, err, herald.ErrInvalid)
			var fe *webhook.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, c.field, fe.Field)
		})
	}
	list, err := d.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, list, "nothing kept")
	_, err = d.Create(context.Background(), good)
	require.NoError(t, err)
}

// TestDenyPrivateChecksWhenDialling keeps a subscription to a loopback
// receiver made by a dispatcher that allows it, and opens a dispatcher
// that denies private addresses over the same store: its check when it
// dials refuses every delivery, as for a name that resolves to loopback.
func TestDenyPrivateChecksWhenDialling(t *testing.T) {
	a := newApp(t)
	rcv := newReceiver(t)
	open, err := webhook.NewDispatcher(a.store, a.bus, fast()...)
	require.NoError(t, err)
	s := subscribe(t, open, rcv.srv.URL)
	d, err := webhook.NewDispatcher(a.store, a.bus, fast(webhook.WithDenyPrivate())...)
	require.NoError(t, err)
	run(t, d)
	a.publish(t, "sent", nil)
	eventually(t, "a dead letter", func() bool {
		l, err := d.DeadLetters(context.Background(), s.ID)
		require.NoError(t, err)
		return len(l) == 1
	})
	l, err := d.DeadLetters(context.Background(), s.ID)
	require.NoError(t, err)
	assert.Contains(t, l[0].Error, "not public")
	assert.Empty(t, rcv.events())
}

// countingListener counts the connections accepted and not yet closed by
// the peer, and serves each with serve.
type countingListener struct {
	net.Listener
	open atomic.Int64
}

func newRawServer(t *testing.T, serve func(c net.Conn)) (string, *countingListener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cl := &countingListener{Listener: ln}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			cl.open.Add(1)
			go func() {
				defer cl.open.Add(-1)
				defer c.Close()
				serve(c)
				_, _ = io.Copy(io.Discard, c) // until the client closes
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/", cl
}

// TestBadReceiversFailWithoutLeaks delivers to a receiver that answers
// garbage, one that never answers, and one that redirects to itself:
// each is a failure, retried, then a dead letter; once the dispatcher
// stops, no goroutine and no connection of its is left.
func TestBadReceiversFailWithoutLeaks(t *testing.T) {
	a := newApp(t)
	garbageURL, garbage := newRawServer(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		_, _ = c.Read(buf)
		_, _ = c.Write([]byte("\x00\x01garbage\r\n\r\nnot http at all"))
		_ = c.(*net.TCPConn).CloseWrite()
	})
	hungURL, hung := newRawServer(t, func(c net.Conn) {})
	var redirectOpen atomic.Int64
	redirect := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.String(), http.StatusFound)
	}))
	redirect.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			redirectOpen.Add(1)
		case http.StateClosed, http.StateHijacked:
			redirectOpen.Add(-1)
		}
	}
	redirect.Start()
	t.Cleanup(redirect.Close)

	runtime.GC()
	before := runtime.NumGoroutine()
	d, err := webhook.NewDispatcher(a.store, a.bus,
		webhook.WithSchedule(5*time.Millisecond, 5*time.Millisecond), webhook.WithTimeout(300*time.Millisecond))
	require.NoError(t, err)
	ids := []string{subscribe(t, d, garbageURL).ID, subscribe(t, d, hungURL).ID, subscribe(t, d, redirect.URL).ID}
	stop := run(t, d)
	for range 3 {
		a.publish(t, "sent", nil)
	}
	ctx := context.Background()
	for _, id := range ids {
		eventually(t, "three dead letters of "+id, func() bool {
			l, err := d.DeadLetters(ctx, id)
			require.NoError(t, err)
			return len(l) == 3
		})
		l, err := d.DeadLetters(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, 3, l[0].Attempts, "%s: %s", id, l[0].Error)
	}
	l, err := d.DeadLetters(ctx, ids[2])
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, l[0].Status, "a redirect is not followed")
	stop()
	eventually(t, "no connection left", func() bool {
		return garbage.open.Load() == 0 && hung.open.Load() == 0 && redirectOpen.Load() == 0
	})
	eventually(t, "no goroutine left", func() bool { return runtime.NumGoroutine() <= before })
}
