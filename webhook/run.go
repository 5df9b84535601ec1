package webhook

import (
	"context"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Run loads the subscriptions and delivers to each that is not paused,
// each on a goroutine of its own, until ctx ends; it then stops them,
// saves their checkpoints and returns nil. A subscription made or resumed
// while Run runs starts at once. Run returns an error matching
// [herald.ErrInvalid] when it runs already, and the store's error when the
// subscriptions cannot be loaded.
func (d *Dispatcher) Run(ctx context.Context) error {
	if ctx == nil {
		return prefix.Errorf("webhook", "run: the context is nil: %w", herald.ErrInvalid)
	}
	d.mu.Lock()
	if d.running {
		d.mu.Unlock()
		return prefix.Errorf("webhook", "run: it runs already: %w", herald.ErrInvalid)
	}
	d.running = true
	d.mu.Unlock()
	defer d.end()
	if err := d.load(ctx); err != nil {
		return err
	}
	for {
		d.mu.Lock()
		for _, r := range d.runners {
			d.start(ctx, r)
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-d.kick:
		}
	}
}

// end stops every subscription and closes the idle connections.
func (d *Dispatcher) end() {
	d.mu.Lock()
	all := make([]*runner, 0, len(d.runners))
	for _, r := range d.runners {
		all = append(all, r)
	}
	d.mu.Unlock()
	for _, r := range all {
		d.stop(r)
	}
	d.mu.Lock()
	d.running = false
	d.mu.Unlock()
	d.transport.CloseIdleConnections()
}
