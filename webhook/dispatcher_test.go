package webhook_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeliversMatchingEventsInOrder(t *testing.T) {
	a := newApp(t)
	rcv := newReceiver(t)
	d, err := webhook.NewDispatcher(a.store, a.bus, fast()...)
	require.NoError(t, err)
	a.publish(t, "sent", map[string]string{"text": "before the subscription"})
	subscribe(t, d, rcv.srv.URL, "communication.message.sent")
	run(t, d)
	var want []string
	for i := range 20 {
		e := a.publish(t, "sent", map[string]int{"n": i})
		want = append(want, e.ID.String())
		a.publish(t, "liked", nil) // not subscribed
	}
	eventually(t, "20 deliveries", func() bool { return len(rcv.events()) == 20 })
	eventually(t, "20 acknowledged", func() bool {
		st, err := d.Subscriptions(context.Background())
		require.NoError(t, err)
		return st[0].Delivered == 20
	})
	var got []string
	for _, e := range rcv.events() {
		got = append(got, e.ID.String())
		assert.Equal(t, "sent", e.Name)
	}
	assert.Equal(t, want, got)
	assert.Zero(t, rcv.bad)
	st, err := d.Subscriptions(context.Background())
	require.NoError(t, err)
	require.Len(t, st, 1)
	assert.EqualValues(t, 20, st[0].Delivered)
	assert.Equal(t, http.StatusNoContent, st[0].LastStatus)
	assert.Empty(t, st[0].Secret)
}

func TestRetriesThenDeadLetters(t *testing.T) {
	r := start(t, http.StatusInternalServerError, fast()...)
	a, rcv, d, s := r.app, r.rcv, r.d, r.sub
	e := a.publish(t, "sent", nil)
	ctx := context.Background()
	var err error
	var letters []webhook.DeadLetter
	eventually(t, "a dead letter", func() bool {
		letters, err = d.DeadLetters(ctx, s.ID)
		require.NoError(t, err)
		return len(letters) == 1
	})
	assert.Equal(t, e.ID, letters[0].EventID)
	assert.Equal(t, http.StatusInternalServerError, letters[0].Status)
	assert.Equal(t, "not now", letters[0].Body)
	assert.Equal(t, 3, letters[0].Attempts)
	st, err := d.Status(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, st.DeadLetters)
	assert.False(t, st.FailingSince.IsZero())
	assert.EqualValues(t, 3, st.Failed)

	rcv.setStatus(http.StatusOK)
	require.NoError(t, d.Replay(ctx, s.ID, e.ID))
	assert.Len(t, rcv.events(), 1)
	letters, err = d.DeadLetters(ctx, s.ID)
	require.NoError(t, err)
	assert.Empty(t, letters)
}

func TestGoneDisablesTheSubscription(t *testing.T) {
	r := start(t, http.StatusGone, fast()...)
	a, rcv, d, s := r.app, r.rcv, r.d, r.sub
	first := a.publish(t, "sent", nil)
	ctx := context.Background()
	eventually(t, "the subscription paused", func() bool {
		got, err := d.Get(ctx, s.ID)
		require.NoError(t, err)
		return got.Paused
	})
	got, err := d.Get(ctx, s.ID)
	require.NoError(t, err)
	assert.Contains(t, got.PausedReason, "410")
	second := a.publish(t, "sent", nil)
	rcv.setStatus(http.StatusOK)
	require.NoError(t, d.Resume(ctx, s.ID))
	eventually(t, "both events", func() bool { return len(rcv.events()) == 2 })
	assert.Equal(t, first.ID, rcv.events()[0].ID)
	assert.Equal(t, second.ID, rcv.events()[1].ID)
}

// TestStatusWhileARetryWaits checks what the introspection says while a
// delivery waits for its next attempt, and that pausing then ends the
// wait: the event is delivered once the subscription is resumed.
func TestStatusWhileARetryWaits(t *testing.T) {
	r := start(t, http.StatusServiceUnavailable, webhook.WithSchedule(time.Hour))
	a, rcv, d, s := r.app, r.rcv, r.d, r.sub
	e := a.publish(t, "sent", nil)
	ctx := context.Background()
	var err error
	var st webhook.Status
	eventually(t, "a retry planned", func() bool {
		st, err = d.Status(ctx, s.ID)
		require.NoError(t, err)
		return !st.NextAttempt.IsZero()
	})
	assert.Equal(t, http.StatusServiceUnavailable, st.LastStatus)
	assert.False(t, st.FailingSince.IsZero())
	assert.True(t, st.NextAttempt.After(time.Now()))
	assert.Contains(t, st.LastError, "status 503")

	require.NoError(t, d.Pause(ctx, s.ID))
	st, err = d.Status(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, "paused", st.State)
	rcv.setStatus(http.StatusOK)
	require.NoError(t, d.Resume(ctx, s.ID))
	eventually(t, "the delivery after the resume", func() bool { return len(rcv.events()) == 1 })
	assert.Equal(t, e.ID, rcv.events()[0].ID)
	eventually(t, "the failure cleared", func() bool {
		st, err = d.Status(ctx, s.ID)
		require.NoError(t, err)
		return st.FailingSince.IsZero() && st.LastStatus == http.StatusOK
	})
}

func TestPatternNarrowsTheEventTypes(t *testing.T) {
	a := newApp(t)
	rcv := newReceiver(t)
	d, err := webhook.NewDispatcher(a.store, a.bus, fast()...)
	require.NoError(t, err)
	_, err = d.Create(context.Background(), webhook.Subscription{
		Service: webhook.Service{Name: rcv.srv.URL}, EventTypes: []string{"communication.*.*"}, Secret: testSecret,
		Pattern: `{"metadata":{"labels":{"tenant":["acme"]}}}`})
	require.NoError(t, err)
	run(t, d)
	publish := func(tenant string) herald.Event {
		e, err := a.publisher.Publish(context.Background(), herald.Event{
			Aggregate: herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}, Name: "sent",
			Metadata: herald.Metadata{Labels: map[string]string{"tenant": tenant}}})
		require.NoError(t, err)
		return e
	}
	publish("other")
	acme := publish("acme")
	publish("other")
	last := publish("acme")
	eventually(t, "two deliveries", func() bool { return len(rcv.events()) == 2 })
	assert.Equal(t, acme.ID, rcv.events()[0].ID)
	assert.Equal(t, last.ID, rcv.events()[1].ID)
}

// TestPausedAfterFailingTooLong pauses a subscription whose deliveries
// fail for longer than WithDisableAfter allows, and delivers the event
// it stopped on once it is resumed.
func TestPausedAfterFailingTooLong(t *testing.T) {
	r := start(t, http.StatusBadGateway, fast(webhook.WithDisableAfter(time.Millisecond), webhook.WithSchedule(10*time.Millisecond, time.Hour))...)
	e := r.publish(t, "sent", nil)
	ctx := context.Background()
	eventually(t, "the subscription paused", func() bool {
		got, err := r.d.Get(ctx, r.sub.ID)
		require.NoError(t, err)
		return got.Paused
	})
	got, err := r.d.Get(ctx, r.sub.ID)
	require.NoError(t, err)
	assert.Contains(t, got.PausedReason, "failed since")
	letters, err := r.d.DeadLetters(ctx, r.sub.ID)
	require.NoError(t, err)
	assert.Empty(t, letters, "the event waits for the resume, not as a dead letter")
	r.rcv.setStatus(http.StatusOK)
	require.NoError(t, r.d.Resume(ctx, r.sub.ID))
	eventually(t, "the delivery", func() bool { return len(r.rcv.events()) == 1 })
	assert.Equal(t, e.ID, r.rcv.events()[0].ID)
}

// TestRotateSecretSignsWithBoth rotates the secret: deliveries then carry
// signatures under the new secret and, for the grace time, the old one.
func TestRotateSecretSignsWithBoth(t *testing.T) {
	r := start(t, http.StatusOK, fast()...)
	ctx := context.Background()
	fresh := webhook.NewSecret().String()
	rotated, err := r.d.RotateSecret(ctx, r.sub.ID, fresh, 0)
	require.NoError(t, err)
	assert.Equal(t, fresh, rotated.Secret)
	assert.Equal(t, testSecret, rotated.PreviousSecret)
	assert.True(t, rotated.PreviousUntil.After(time.Now()))
	r.publish(t, "sent", nil)
	eventually(t, "the delivery verified with the old secret", func() bool { return len(r.rcv.events()) == 1 })

	header, body := r.rcv.last()
	require.NoError(t, webhook.Verify(fresh, header, body))
	require.NoError(t, webhook.Verify(testSecret, header, body))

	_, err = r.d.RotateSecret(ctx, r.sub.ID, "plain", 0)
	require.ErrorIs(t, err, herald.ErrInvalid)
	kept, err := r.d.Get(ctx, r.sub.ID)
	require.NoError(t, err)
	assert.Equal(t, fresh, kept.Secret, "nothing changed")
}
