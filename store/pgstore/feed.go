package pgstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
)

// Feed returns the store's engine.Feed: a wake-up, never the events. Every
// append commits a notification on the schema's channel (LISTEN/NOTIFY),
// and each consumer that follows the feed is woken by it, in every
// process, to read the log from the table, where it takes each event by
// its position; a notification lost with a connection costs nothing but
// the wait for the next one, or for the poll of engine.Config.PollInterval
// when one is set. One connection per store listens, from the first Follow
// to Close; when it is lost it connects again and wakes every follower.
func (s *Store) Feed() engine.Feed { return s.feed }

// feed is the store's Feed.
type feed struct {
	s *Store

	mu        sync.Mutex
	followers map[int]func(*herald.Event)
	next      int
	closed    bool
	cancel    context.CancelFunc
	done      chan struct{}
}

func newFeed(s *Store) *feed {
	return &feed{s: s, followers: make(map[int]func(*herald.Event))}
}

// Follow wakes offer, with an event without a position, whenever the log
// may have grown.
func (f *feed) Follow(_ string, offer func(e *herald.Event)) (func(context.Context) error, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errClosed("follow")
	}
	id := f.next
	f.next++
	f.followers[id] = offer
	if f.done == nil {
		ctx, cancel := context.WithCancel(context.Background())
		f.cancel, f.done = cancel, make(chan struct{})
		go f.listen(ctx)
	}
	return func(context.Context) error {
		f.mu.Lock()
		delete(f.followers, id)
		f.mu.Unlock()
		return nil
	}, nil
}

// poke wakes every follower.
func (f *feed) poke() {
	f.mu.Lock()
	offers := make([]func(*herald.Event), 0, len(f.followers))
	for _, o := range f.followers {
		offers = append(offers, o)
	}
	f.mu.Unlock()
	for _, o := range offers {
		o(&herald.Event{})
	}
}

// listen listens on the schema's channel until ctx ends, connecting again
// a second after a connection is lost.
func (f *feed) listen(ctx context.Context) {
	defer close(f.done)
	for ctx.Err() == nil {
		err := f.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		f.s.opts.logger.LogAttrs(ctx, slog.LevelWarn, "pgstore: the notification listener lost its connection; connecting again",
			slog.String("schema", f.s.opts.schema), slog.Any("error", err))
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (f *feed) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, f.s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel(f.s.opts.schema)}.Sanitize()); err != nil {
		return err
	}
	f.poke() // what was appended while no one listened
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		f.poke()
	}
}

// close stops the listener.
func (f *feed) close() {
	f.mu.Lock()
	f.closed = true
	cancel, done := f.cancel, f.done
	f.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
