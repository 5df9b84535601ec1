package natsbus

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/herald-go/herald/internal/retry"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// worker takes the events of one durable consumer, one at a time.
type worker struct {
	bus      *Bus
	sub      *subscription
	consumer jetstream.Consumer
	name     string

	counters counters

	// held is the message the worker has, for the heartbeat that tells
	// the server it is still at work on it.
	heldMu sync.Mutex
	held   jetstream.Msg
}

// counters are a worker's counts, read by Status.
type counters struct {
	begun, delivered, failed, retried, deadLettered atomic.Uint64
}

// run takes events until the subscription stops, then drains what the
// consumer holds, each event one attempt, until nothing is pending or the
// bus gives up closing.
func (w *worker) run() {
	b, s := w.bus, w.sub
	defer func() {
		b.workers.Done()
		if s.running.Add(-1) == 0 {
			close(s.done)
		}
	}()
	stopBeat := w.heartbeat()
	defer stopBeat()
	for {
		select {
		case <-s.stopping:
			w.drain()
			return
		default:
		}
		batch, err := w.consumer.Fetch(64, jetstream.FetchMaxWait(pollWait))
		if err != nil {
			if !w.pause(err) {
				w.drain()
				return
			}
			continue
		}
		for m := range batch.Messages() {
			w.take(m, false)
		}
	}
}

// pause waits a moment after a failed fetch and logs it; false when the
// subscription stopped meanwhile.
func (w *worker) pause(err error) bool {
	w.bus.log.LogAttrs(context.Background(), slog.LevelWarn, "natsbus: fetch failed",
		slog.String("consumer", w.name), slog.Any("error", err))
	t := time.NewTimer(pollWait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.sub.stopping:
		return false
	}
}

// drain handles, one attempt each, what the consumer still holds, until
// its pending and unacknowledged counts are both zero, or the bus gives
// up closing.
func (w *worker) drain() {
	for !w.bus.aborted.Load() {
		batch, err := w.consumer.Fetch(1, jetstream.FetchMaxWait(pollWait/5))
		n := 0
		if err == nil {
			for m := range batch.Messages() {
				n++
				w.take(m, true)
			}
		}
		if n > 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(w.bus.base, 5*time.Second)
		info, err := w.consumer.Info(ctx)
		cancel()
		if err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		if err != nil && w.bus.base.Err() != nil {
			return
		}
	}
}

// take handles one message: decodes it, skips it when the filter does not
// match, calls the handler, retries, dead-letters, and acknowledges.
func (w *worker) take(m jetstream.Msg, draining bool) {
	b, s := w.bus, w.sub
	if b.aborted.Load() {
		_ = m.Nak() // for another process, or the next start
		return
	}
	e, err := b.decode(m.Data())
	if err != nil {
		w.counters.begun.Add(1)
		b.giveUp(s, &w.counters, m, herald.Event{}, 0, err)
		return
	}
	if !s.filter.Match(&e) {
		w.ack(m, draining)
		return
	}
	w.hold(m)
	defer w.hold(nil)
	w.counters.begun.Add(1)
	before := 0
	if md, err := m.Metadata(); err == nil && md.NumDelivered > 1 {
		before = int(md.NumDelivered) - 1 // earlier deliveries count as attempts
	}
	r := b.retry
	if before > 0 {
		r = retry.New(b.cfg.retry.InitialInterval, b.cfg.retry.MaxInterval, max(1, b.cfg.retry.MaxAttempts-before))
	}
	ctx := herald.ContextWithCause(s.base, &e)
	res := r.Do(ctx, s.stopping, func(n int) error {
		if n+before > 1 {
			w.counters.retried.Add(1)
		}
		return driver.SafeHandle(ctx, s.handler, e)
	}, func(n int, err error) { w.failedAttempt(ctx, &e, n+before, err) })
	if res.Outcome == retry.Handled {
		w.counters.delivered.Add(1)
		w.ack(m, draining)
		return
	}
	b.giveUp(s, &w.counters, m, e, res.Attempts+before, res.Err)
}

// ack acknowledges m; when draining, it waits for the server's answer so
// that the drain's count of what is pending is right.
func (w *worker) ack(m jetstream.Msg, draining bool) {
	if !draining {
		if err := m.Ack(); err != nil {
			w.bus.log.LogAttrs(context.Background(), slog.LevelWarn, "natsbus: ack failed",
				slog.String("consumer", w.name), slog.Any("error", err))
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = m.DoubleAck(ctx)
}

// failedAttempt counts, remembers and logs one failed handler call.
func (w *worker) failedAttempt(ctx context.Context, e *herald.Event, attempt int, err error) {
	w.counters.failed.Add(1)
	w.sub.noteError(err)
	w.bus.log.LogAttrs(ctx, slog.LevelWarn, "natsbus: handler failed",
		slog.String("subscription", w.sub.name),
		slog.String("event", e.FullName()),
		slog.String("id", e.ID.String()),
		slog.Int("attempt", attempt),
		slog.Any("error", err))
}

// hold makes m the message the heartbeat keeps, or none.
func (w *worker) hold(m jetstream.Msg) {
	w.heldMu.Lock()
	w.held = m
	w.heldMu.Unlock()
}

// heartbeat starts a goroutine that tells the server, every quarter of the
// acknowledgement wait, that the worker is still at work on the message it
// holds, so a long handler or a retry's wait keeps its message. It ends
// when the returned function is called.
func (w *worker) heartbeat() (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(w.bus.cfg.ackWait / 4)
		defer t.Stop()
		var last jetstream.Msg
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			w.heldMu.Lock()
			m := w.held
			w.heldMu.Unlock()
			if m != nil && m == last {
				_ = m.InProgress()
			}
			last = m // a message held since the last tick gets the next one
		}
	}()
	return func() { close(done) }
}

// Headers of a dead letter on the dead-letter stream, besides the event's
// own.
const (
	HeaderSubscription = "Herald-Subscription"
	HeaderReason       = "Herald-Reason"
	HeaderAttempts     = "Herald-Attempts"
	HeaderSubject      = "Herald-Subject"
)

// giveUp reports an event (or a message that is none) the subscription
// will not handle: it logs it, keeps it on the dead-letter stream with the
// reason, hands it to the dead-letter function, counts it, and terminates
// the message so it is not delivered again.
func (b *Bus) giveUp(s *subscription, c *counters, m jetstream.Msg, e herald.Event, attempts int, err error) {
	ctx := s.base
	b.log.LogAttrs(ctx, slog.LevelError, "natsbus: delivery failed",
		slog.String("subscription", s.name),
		slog.String("subject", m.Subject()),
		slog.String("id", e.ID.String()),
		slog.Int("attempts", attempts),
		slog.Any("error", err))
	s.noteError(err)
	if kerr := b.keepDeadLetter(s.name, m, attempts, err); kerr != nil {
		b.log.LogAttrs(ctx, slog.LevelError, "natsbus: keeping a dead letter failed",
			slog.String("subscription", s.name), slog.Any("error", kerr))
	}
	d := herald.DeadLetter{Subscription: s.name, Event: e, Attempts: attempts, Err: err, At: time.Now()}
	retry.DeadLetter(ctx, b.deadLetter, d, &c.deadLettered, b.log, "natsbus",
		slog.String("subscription", s.name), slog.String("id", e.ID.String()))
	if s.sync {
		return
	}
	if terr := m.TermWithReason("herald: dead-lettered"); terr != nil && !errors.Is(terr, jetstream.ErrMsgAlreadyAckd) {
		b.log.LogAttrs(ctx, slog.LevelWarn, "natsbus: term failed", slog.String("subscription", s.name), slog.Any("error", terr))
	}
}

// keepDeadLetter publishes a copy of m to the dead-letter stream, with the
// subscription, the reason, the attempts and the subject in headers.
func (b *Bus) keepDeadLetter(name string, m jetstream.Msg, attempts int, reason error) error {
	d := nats.NewMsg(b.cfg.prefix + ".deadletters." + name)
	d.Data = m.Data()
	for k, v := range m.Headers() {
		d.Header[k] = v
	}
	id := d.Header.Get(nats.MsgIdHdr)
	if md, err := m.Metadata(); err == nil {
		id = name + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	d.Header.Set(nats.MsgIdHdr, id)
	d.Header.Set(HeaderSubscription, name)
	d.Header.Set(HeaderReason, reason.Error())
	d.Header.Set(HeaderAttempts, strconv.Itoa(attempts))
	d.Header.Set(HeaderSubject, m.Subject())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := b.js.PublishMsg(ctx, d, jetstream.WithExpectStream(b.dead))
	return err
}

// isNotFound reports whether err says a consumer does not exist.
func isNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrConsumerDoesNotExist)
}
