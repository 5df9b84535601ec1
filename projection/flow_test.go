package projection_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/projection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Message is the tests' aggregate.
type Message struct {
	herald.AggregateBase
	Likes    int
	Featured bool
}

func newMessage() *Message {
	m := &Message{}
	herald.Apply(m, "sent", func(Sent) {})
	herald.Apply(m, "liked", func(Liked) { m.Likes++ })
	herald.Apply(m, "featured", func(Featured) { m.Featured = true })
	return m
}

func (m *Message) Like() error { return m.Publish("liked", Liked{}) }

// Feature features a message liked 3 times.
func (m *Message) Feature() error {
	if m.Likes < 3 || m.Featured {
		return nil
	}
	return m.Publish("featured", Featured{})
}

func newRepository(t testing.TB, e *env) *herald.Repository[*Message] {
	r, err := herald.NewRepository(e.publisher, "communication", "message", newMessage)
	require.NoError(t, err)
	return r
}

// eventsNamed returns the stored events of one name.
func eventsNamed(t testing.TB, s herald.Store, name string) []herald.Event {
	t.Helper()
	var out []herald.Event
	for e, err := range s.ReadLog(context.Background(), 0) {
		require.NoError(t, err)
		if e.FullName() == name {
			out = append(out, e)
		}
	}
	return out
}

// The events a flow's command publishes are caused by the event the flow
// reacted to, and share its correlation id, without code in the flow.
func TestFlowCarriesCausation(t *testing.T) {
	e := newBoltEnv(t)
	repo := newRepository(t, e)
	f, err := projection.NewFlow(projection.FlowConfig{
		Name: "featuring", Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry,
		Reactions: []projection.Reaction{projection.When(likedName,
			func(ctx context.Context, ev herald.Event, _ Liked) error {
				_, err := repo.Use(ctx, ev.Aggregate.ID, (*Message).Feature)
				return err
			})},
	})
	require.NoError(t, err)
	run(t, f)

	ref := messages(1)[0]
	correlation := uuid.New()
	ctx := herald.ContextWithCorrelationID(context.Background(), correlation)
	for range 3 {
		_, err := repo.Use(ctx, ref.ID, (*Message).Like)
		require.NoError(t, err)
		// One like at a time, so that the third is the one that counts.
		stats, err := e.store.Stats(ctx)
		require.NoError(t, err)
		require.NoError(t, f.Wait(testCtx(t), stats.Head))
	}
	likes := eventsNamed(t, e.store, likedName)
	require.Len(t, likes, 3)

	featured := eventsNamed(t, e.store, featuredName)
	require.Len(t, featured, 1)
	assert.Equal(t, likes[2].ID, featured[0].Metadata.CausationID, "caused by the third like")
	assert.Equal(t, correlation, featured[0].Metadata.CorrelationID, "correlated with it")
	assert.Equal(t, ref, featured[0].Aggregate)
}

// autoLike is a flow that likes each message sent, counting its runs.
func autoLike(t testing.TB, e *env, checkpoints driver.CheckpointStore, runs *atomic.Int64, fail func() error) *projection.Flow {
	repo := newRepository(t, e)
	f, err := projection.NewFlow(projection.FlowConfig{
		Name: "autolike", Store: e.store, Bus: e.bus, Checkpoints: checkpoints, Registry: e.registry,
		Retry: fastRetry, BatchSize: 8,
		Reactions: []projection.Reaction{projection.When(sentName,
			func(ctx context.Context, ev herald.Event, _ Sent) error {
				runs.Add(1)
				if _, err := repo.Use(ctx, ev.Aggregate.ID, (*Message).Like); err != nil {
					return err
				}
				if fail != nil {
					return fail()
				}
				return nil
			})},
	})
	require.NoError(t, err)
	return f
}

// checkLikes checks that the store holds one like per message sent, each
// caused by its message.
func checkLikes(t *testing.T, s herald.Store) {
	t.Helper()
	sent := eventsNamed(t, s, sentName)
	likes := eventsNamed(t, s, likedName)
	require.Len(t, likes, len(sent), "one like per message")
	causes := make(map[uuid.UUID]int)
	for _, l := range likes {
		causes[l.Metadata.CausationID]++
	}
	for _, m := range sent {
		assert.Equal(t, 1, causes[m.ID], "the like of %s", m.ID)
	}
}

// A flow that crashed after its commands ran and before it saved its
// checkpoint gets those events again, and does not run their commands
// again.
func TestFlowDedupesRedeliveredEvents(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(5)
	checkpoints := &lossyCheckpoints{CheckpointStore: newMemstore(t), only: "autolike"}
	var runs atomic.Int64
	f := autoLike(t, e, checkpoints, &runs, nil)
	stop := run(t, f)
	handled := e.sendAll(t, refs, 10, 5)
	require.NoError(t, f.Wait(testCtx(t), handled))
	// From here on the checkpoint is lost, as in a crash right after the
	// commands.
	checkpoints.lose.Store(true)
	crashed := e.sendAll(t, refs, 20, 5)
	require.NoError(t, f.Wait(testCtx(t), crashed))
	stop()
	require.Equal(t, int64(30), runs.Load())
	checkpoints.lose.Store(false)
	saved, err := checkpoints.LoadCheckpoint(context.Background(), "autolike")
	require.NoError(t, err)
	require.Less(t, saved, crashed, "the crash lost the checkpoint")

	// Five more while it is down.
	down := e.sendAll(t, refs, 5, 5)
	runs.Store(0)
	f = autoLike(t, e, checkpoints, &runs, nil)
	run(t, f)
	require.NoError(t, f.Wait(testCtx(t), down))
	assert.Equal(t, int64(5), runs.Load(), "only the messages sent while it was down")
	s, err := f.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, uint64(20), s.Deduplicated, "the events redelivered")
	checkLikes(t, e.store)
}

// A flow that restarts after recording that its reactions may have run,
// and before running them, runs them: events that another consumer
// published in reaction to the same events are not the flow's, and do not
// make it pass them over.
func TestFlowRunsWhatOnlyOthersReactedTo(t *testing.T) {
	e := newMemEnv(t)
	require.NoError(t, e.bus.Subscribe(herald.Subscription{
		Name: "notifier", Events: []string{sentName}, Sync: true,
		Handler: herald.HandlerFunc(func(ctx context.Context, ev herald.Event) error {
			_, err := e.publisher.Publish(ctx, herald.Event{Aggregate: ev.Aggregate, Name: "featured", Data: Featured{}})
			return err
		}),
	}))
	refs := messages(4)
	head := e.sendAll(t, refs, 8, 4)
	require.Len(t, eventsNamed(t, e.store, featuredName), 8, "the notifier reacted to every message")
	// As a crash leaves it: the reactions up to the head may have run.
	checkpoints := newMemstore(t)
	require.NoError(t, checkpoints.SaveCheckpoint(context.Background(), "autolike#pending", head))

	var runs atomic.Int64
	f := autoLike(t, e, checkpoints, &runs, nil)
	run(t, f)
	require.NoError(t, f.Wait(testCtx(t), head))
	assert.Equal(t, int64(8), runs.Load(), "every reaction ran")
	s, err := f.Status(testCtx(t))
	require.NoError(t, err)
	assert.Zero(t, s.Deduplicated)
	checkLikes(t, e.store)
	for _, like := range eventsNamed(t, e.store, likedName) {
		assert.Equal(t, "autolike", like.Metadata.Labels[projection.FlowLabel], "the flow marks what its reactions publish")
	}
}

// A flow whose reaction copies the labels of the event it reacts to,
// which another flow marked, still marks what it publishes as its own, and
// after a crash passes over the events it had reacted to.
func TestFlowMarksWhatItPublishesOverCopiedLabels(t *testing.T) {
	e := newMemEnv(t)
	refs := messages(3)
	upstream := herald.ContextWithLabels(context.Background(), map[string]string{projection.FlowLabel: "upstream", "tenant": "acme"})
	var sent []herald.Event
	for i := range 6 {
		s, err := e.publisher.Publish(upstream, herald.Event{Aggregate: refs[i%3], Name: "sent", Data: Sent{Text: "hey"}})
		require.NoError(t, err)
		sent = append(sent, s)
	}
	head := sent[len(sent)-1].Metadata.Position
	checkpoints := &lossyCheckpoints{CheckpointStore: newMemstore(t), only: "relay"}
	var runs atomic.Int64
	relay := func() *projection.Flow {
		f, err := projection.NewFlow(projection.FlowConfig{
			Name: "relay", Store: e.store, Bus: e.bus, Checkpoints: checkpoints, Registry: e.registry, Retry: fastRetry,
			Reactions: []projection.Reaction{projection.When(sentName,
				func(ctx context.Context, ev herald.Event, _ Sent) error {
					runs.Add(1)
					_, err := e.publisher.Publish(ctx, herald.Event{Aggregate: ev.Aggregate, Name: "liked", Data: Liked{},
						Metadata: herald.Metadata{Labels: ev.Metadata.Labels}})
					return err
				})},
		})
		require.NoError(t, err)
		return f
	}
	checkpoints.lose.Store(true) // a crash right after the reactions
	f := relay()
	stop := run(t, f)
	require.NoError(t, f.Wait(testCtx(t), head))
	stop()
	require.Equal(t, int64(6), runs.Load())
	for _, like := range eventsNamed(t, e.store, likedName) {
		assert.Equal(t, map[string]string{projection.FlowLabel: "relay", "tenant": "acme"}, like.Metadata.Labels)
	}

	checkpoints.lose.Store(false)
	runs.Store(0)
	f = relay()
	run(t, f)
	require.NoError(t, f.Wait(testCtx(t), head))
	assert.Zero(t, runs.Load(), "every reaction had run")
	s, err := f.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, uint64(6), s.Deduplicated)
	checkLikes(t, e.store)
}

// A reaction retried after its command stored its events runs the command
// again; the repository derives the events' ids from the cause, so the
// store acknowledges them without storing them twice.
func TestFlowRetriedCommandIsStoredOnce(t *testing.T) {
	e := newBoltEnv(t)
	var runs, failures atomic.Int64
	f := autoLike(t, e, nil, &runs, func() error {
		if failures.Add(1)%2 == 1 {
			return errors.New("lost the connection after the command")
		}
		return nil
	})
	run(t, f)
	refs := messages(3)
	last := e.sendAll(t, refs, 6, 3)
	require.NoError(t, f.Wait(testCtx(t), last))
	assert.Equal(t, int64(12), runs.Load(), "each reaction ran twice")
	checkLikes(t, e.store)
}

func TestFlowFailsAndResumes(t *testing.T) {
	e := newMemEnv(t)
	var runs atomic.Int64
	var broken atomic.Bool
	broken.Store(true)
	f := autoLike(t, e, nil, &runs, func() error {
		if broken.Load() {
			return errors.New("broken")
		}
		return nil
	})
	run(t, f)
	refs := messages(2)
	first := e.send(t, refs[0], "one")
	err := f.Wait(testCtx(t), first.Metadata.Position)
	var failed *engine.FailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, first.ID, failed.Event.ID)
	s, err := f.Status(testCtx(t))
	require.NoError(t, err)
	assert.Equal(t, engine.Failed, s.State)
	assert.Equal(t, first.Metadata.Position-1, s.Checkpoint)

	broken.Store(false)
	require.NoError(t, f.Resume(testCtx(t)))
	last := e.send(t, refs[1], "two").Metadata.Position
	require.NoError(t, f.Wait(testCtx(t), last))
	checkLikes(t, e.store)
}

// Two flows that react to one event by changing one aggregate both store
// their change: the commands of different consumers are not repeats of
// each other, even with one cause.
func TestTwoFlowsReactingToOneEventBothCount(t *testing.T) {
	e := newBoltEnv(t)
	repo := newRepository(t, e)
	var flows []*projection.Flow
	for _, name := range []string{"first", "second"} {
		f, err := projection.NewFlow(projection.FlowConfig{
			Name: name, Store: e.store, Bus: e.bus, Registry: e.registry, Retry: fastRetry,
			Reactions: []projection.Reaction{projection.When(sentName,
				func(ctx context.Context, ev herald.Event, _ Sent) error {
					_, err := repo.Use(ctx, ev.Aggregate.ID, (*Message).Like)
					return err
				})},
		})
		require.NoError(t, err)
		run(t, f)
		flows = append(flows, f)
	}
	refs := messages(3)
	last := e.sendAll(t, refs, 3, 3)
	for _, f := range flows {
		require.NoError(t, f.Wait(testCtx(t), last))
	}
	for _, ref := range refs {
		m, err := repo.Load(context.Background(), ref.ID)
		require.NoError(t, err)
		assert.Equal(t, 2, m.Likes, "one like from each flow for %s", ref)
	}
}
