package natsbus

import (
	"context"
	"errors"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// publishWindow is how many publishes Publish leaves unacknowledged at
// once.
const publishWindow = 1000

// Publish sends events to the stream, each to its subject with its id as
// Nats-Msg-Id, asynchronously, and returns once JetStream has acknowledged
// every one of them (an event the stream already had within its duplicate
// window counts as acknowledged, and lands in it once). It then waits until
// every Sync subscription of this process has handled them, unless it is
// called from a Sync handler. An event whose names are no subject tokens
// is an error matching herald.ErrInvalid, and nothing is sent; a nil ctx
// too. If ctx ends first, the error wraps ctx.Err(): events sent may land
// in the stream all the same. After Close, the error matches
// herald.ErrClosed.
func (b *Bus) Publish(ctx context.Context, events []herald.Event) error {
	switch {
	case ctx == nil:
		return fmt.Errorf("natsbus: publish: the context is nil: %w", herald.ErrInvalid)
	case b.closed.Load():
		return fmt.Errorf("natsbus: publish: %w", herald.ErrClosed)
	case ctx.Err() != nil:
		return fmt.Errorf("natsbus: publish: %w", ctx.Err())
	case len(events) == 0:
		return nil
	}
	msgs := make([]*nats.Msg, len(events))
	for i := range events {
		m, err := b.message(&events[i])
		if err != nil {
			return fmt.Errorf("natsbus: publish: %w", err)
		}
		msgs[i] = m
	}
	b.local.put(events)
	var last uint64
	futures := make([]jetstream.PubAckFuture, 0, min(len(msgs), publishWindow))
	for start := 0; start < len(msgs); start += publishWindow {
		futures = futures[:0]
		for _, m := range msgs[start:min(start+publishWindow, len(msgs))] {
			f, err := b.js.PublishMsgAsync(m)
			if err != nil {
				return fmt.Errorf("natsbus: publish: send to %s: %w", m.Subject, err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case ack := <-f.Ok():
				last = max(last, ack.Sequence)
			case err := <-f.Err():
				return fmt.Errorf("natsbus: publish: %s: %w", f.Msg().Subject, err)
			case <-ctx.Done():
				return fmt.Errorf("natsbus: publish: waiting for JetStream: %w", ctx.Err())
			}
		}
	}
	if inSyncHandler(ctx, b) {
		return nil
	}
	return b.waitSync(ctx, last)
}

// errSyncGone tells waitSync a Sync subscription went away.
var errSyncGone = errors.New("natsbus: the subscription is gone")
