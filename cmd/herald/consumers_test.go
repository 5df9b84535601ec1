package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
)

func TestConsumersOfAFileShowCheckpointsAndLag(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(10))
	s := openBolt(t, path)
	require.NoError(t, s.SaveCheckpoint(context.Background(), "unread", 7))
	require.NoError(t, s.SaveCheckpoint(context.Background(), "mailer", 10))
	require.NoError(t, s.Close())

	r := mustRun(t, "", "consumers", "--file", path, "search")
	assert.Equal(t, `{"name":"mailer","checkpoint":10,"lag":0,"state":"stopped"}`+"\n"+
		`{"name":"search","checkpoint":0,"lag":10,"state":"stopped"}`+"\n"+
		`{"name":"unread","checkpoint":7,"lag":3,"state":"stopped"}`+"\n", r.stdout)
}

func TestDeadLettersOfAFileAreListedAndDiscarded(t *testing.T) {
	t.Parallel()
	events := testEvents(4)
	path := newBoltFile(t, events)
	s := openBolt(t, path)
	stored := readAll(t, s)
	for _, e := range stored[1:3] {
		require.NoError(t, s.SaveDeadLetter(context.Background(),
			herald.DeadLetter{Subscription: "mailer", Event: e, Attempts: 3, Err: errors.New("smtp down"), At: time.Now()}))
	}
	require.NoError(t, s.Close())

	letters := decodeLetters(t, mustRun(t, "", "dead-letters", "list", "mailer", "--file", path).stdout)
	require.Len(t, letters, 2)
	assert.Equal(t, events[1].ID, letters[0].Event.ID)
	assert.Equal(t, 3, letters[0].Attempts)
	assert.Equal(t, "smtp down", letters[0].Error)

	r := heraldCmd(t, "", "dead-letters", "replay", "mailer", events[1].ID.String(), "--file", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "only the running application has; use --url")

	r = mustRun(t, "", "dead-letters", "discard", "mailer", events[1].ID.String(), "--file", path)
	assert.Equal(t, "discarded "+events[1].ID.String()+"\n", r.stdout)
	letters = decodeLetters(t, mustRun(t, "", "dead-letters", "list", "mailer", "--file", path).stdout)
	require.Len(t, letters, 1)
	assert.Equal(t, events[2].ID, letters[0].Event.ID)

	r = heraldCmd(t, "", "dead-letters", "discard", "mailer", events[1].ID.String(), "--file", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not found")

	r = heraldCmd(t, "", "dead-letters", "discard", "mailer", "not-a-uuid", "--file", path)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `event id "not-a-uuid": want a uuid`)
}

func TestConsumersOfAFileShowItsProjections(t *testing.T) {
	t.Parallel()
	path := newBoltFile(t, testEvents(12))
	s := openBolt(t, path)
	count := func(context.Context, *bolt.Tx, herald.Event, json.RawMessage) error { return nil }
	p, err := projection.New(projection.Config[*bolt.Tx]{
		Name: "sent-count", Store: s, Model: projection.Bolt(s.DB()),
		Handlers: []projection.Handler[*bolt.Tx]{projection.On("chat.message.sent", count)},
		Reset:    projection.DeleteBuckets("sent-count"),
	})
	require.NoError(t, err)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	require.NoError(t, p.Wait(ctx, 12))
	stop()
	<-done
	require.NoError(t, s.Close())

	r := mustRun(t, "", "consumers", "--file", path)
	assert.Equal(t, `{"name":"sent-count","checkpoint":12,"lag":0,"state":"stopped"}`+"\n", r.stdout)
}
