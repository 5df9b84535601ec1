package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/retry"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// partitionsKey is the stream metadata that records the number of
// partitions its subjects end with.
const partitionsKey = "herald.partitions"

// Bus is a herald.Bus on a JetStream stream. Build one with New; it is
// safe for concurrent use. Its workers run until Unsubscribe or Close.
type Bus struct {
	js         jetstream.JetStream
	cfg        config
	dead       string // the dead-letter stream's name
	retry      retry.Backoff
	log        *slog.Logger
	deadLetter func(ctx context.Context, d herald.DeadLetter)
	local      *localEvents

	// base is the context every handler call derives from; Close cancels it
	// when its own context ends before the subscriptions are drained.
	base    context.Context
	cancel  context.CancelFunc
	aborted atomic.Bool

	mu     sync.Mutex
	subs   []*subscription // in the order they were added
	closed atomic.Bool     // set under mu

	workers sync.WaitGroup
}

var _ herald.Bus = (*Bus)(nil)

// New returns a bus on js, a JetStream context over a connection the
// application owns (and closes, after Close). It creates the stream and its
// dead-letter stream, or checks the ones that exist: one whose subjects,
// retention, storage or partitions differ is an error matching
// herald.ErrInvalid, and is left as it is; a different duplicate window,
// number of replicas, age limit or persist mode is updated. An invalid
// option, or a nil ctx or js, is an error matching herald.ErrInvalid. A
// server that cannot be reached, or has no JetStream, is an error that
// names the server's URL.
func New(ctx context.Context, js jetstream.JetStream, opts ...Option) (*Bus, error) {
	switch {
	case ctx == nil:
		return nil, fmt.Errorf("natsbus: new: the context is nil: %w", herald.ErrInvalid)
	case js == nil:
		return nil, fmt.Errorf("natsbus: new: the JetStream context is nil: %w", herald.ErrInvalid)
	}
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		js: js, cfg: c, dead: c.stream + "_DEAD",
		retry:      retry.New(c.retry.InitialInterval, c.retry.MaxInterval, c.retry.MaxAttempts),
		log:        c.logger,
		deadLetter: c.deadLetter,
		local:      newLocalEvents(c.localEvents),
	}
	if err := b.ensureStream(ctx, b.streamConfig()); err != nil {
		return nil, err
	}
	if err := b.ensureStream(ctx, b.deadStreamConfig()); err != nil {
		return nil, err
	}
	b.base, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// streamConfig is the stream the options describe.
func (b *Bus) streamConfig() jetstream.StreamConfig {
	c := &b.cfg
	return jetstream.StreamConfig{
		Name:        c.stream,
		Description: "herald events",
		Subjects:    []string{c.prefix + ".*.*.*.*"},
		Retention:   c.retention,
		Storage:     c.storage,
		Replicas:    c.replicas,
		Duplicates:  c.duplicates,
		MaxAge:      c.maxAge,
		PersistMode: c.persist,
		Metadata:    map[string]string{partitionsKey: strconv.Itoa(c.partitions)},
	}
}

// deadStreamConfig is the dead-letter stream.
func (b *Bus) deadStreamConfig() jetstream.StreamConfig {
	c := &b.cfg
	return jetstream.StreamConfig{
		Name:        b.dead,
		Description: "herald dead letters",
		Subjects:    []string{c.prefix + ".deadletters.*"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     c.storage,
		Replicas:    c.replicas,
		Duplicates:  c.duplicates,
		PersistMode: c.persist,
	}
}

// ensureStream creates want, or checks and updates the stream of its name.
func (b *Bus) ensureStream(ctx context.Context, want jetstream.StreamConfig) error {
	url := b.js.Conn().ConnectedUrlRedacted()
	if url == "" {
		url = b.js.Conn().Opts.Url
	}
	s, err := b.js.Stream(ctx, want.Name)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		if _, err := b.js.CreateStream(ctx, want); err != nil {
			return fmt.Errorf("natsbus: new: create stream %s on %s: %w", want.Name, url, err)
		}
		return nil
	case errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrJetStreamNotEnabled):
		return fmt.Errorf("natsbus: new: look up stream %s on %s: JetStream is not enabled there: %w", want.Name, url, err)
	case err != nil:
		return fmt.Errorf("natsbus: new: look up stream %s on %s: %w", want.Name, url, err)
	}
	have := s.CachedInfo().Config
	if why := incompatible(have, want); why != "" {
		return fmt.Errorf("natsbus: new: stream %s on %s: %s: %w", want.Name, url, why, herald.ErrInvalid)
	}
	if have.Duplicates == want.Duplicates && have.Replicas == want.Replicas &&
		have.MaxAge == want.MaxAge && have.PersistMode == want.PersistMode {
		return nil
	}
	update := have
	update.Duplicates, update.Replicas, update.MaxAge, update.PersistMode =
		want.Duplicates, want.Replicas, want.MaxAge, want.PersistMode
	if _, err := b.js.UpdateStream(ctx, update); err != nil {
		return fmt.Errorf("natsbus: new: update stream %s on %s: %w", want.Name, url, err)
	}
	return nil
}

// incompatible says how have differs from want in what New does not
// change, or "".
func incompatible(have, want jetstream.StreamConfig) string {
	switch {
	case !slices.Equal(have.Subjects, want.Subjects):
		return fmt.Sprintf("its subjects are %q, not %q", have.Subjects, want.Subjects)
	case have.Retention != want.Retention:
		return fmt.Sprintf("its retention is %s, not %s", have.Retention, want.Retention)
	case have.Storage != want.Storage:
		return fmt.Sprintf("its storage is %s, not %s", have.Storage, want.Storage)
	case have.Metadata[partitionsKey] != want.Metadata[partitionsKey]:
		return fmt.Sprintf("it has %q partitions, not %s", have.Metadata[partitionsKey], want.Metadata[partitionsKey])
	}
	return ""
}

// Close stops intake at once: Publish, Subscribe and Unsubscribe return an
// error matching herald.ErrClosed from then on, and failed events are no
// longer retried (an event waiting for a retry is dead-lettered at once).
// It then waits until every async subscription of this process has handled
// what its consumers hold (each event one attempt), and returns nil. If ctx
// ends first, Close cancels the context handlers run with and returns an
// error wrapping ctx.Err(): the events its workers still get go back to
// the stream (negative acknowledgement) for another process or the next
// start. Close neither closes the connection nor deletes consumers. A
// second Close returns an error matching herald.ErrClosed; a nil ctx, one
// matching herald.ErrInvalid.
func (b *Bus) Close(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("natsbus: close: the context is nil: %w", herald.ErrInvalid)
	}
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return fmt.Errorf("natsbus: close: %w", herald.ErrClosed)
	}
	b.closed.Store(true)
	subs := b.subs
	b.mu.Unlock()

	for _, s := range subs {
		s.stop()
	}
	done := make(chan struct{})
	go func() { b.workers.Wait(); close(done) }()
	select {
	case <-done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.aborted.Store(true)
		b.cancel()
		return fmt.Errorf("natsbus: close: %w", ctx.Err())
	}
}

// Closed reports whether Close has been called. A herald.Publisher asks it
// before it stores events, so it does not store what the bus would refuse.
func (b *Bus) Closed() bool { return b.closed.Load() }

// pollWait is how long a worker's fetch waits for an event before it asks
// again; it bounds how long a stopping worker takes to notice.
const pollWait = 250 * time.Millisecond
