package projection

import (
	"context"
	"errors"
	"sync"

	"github.com/herald-go/herald/engine"
)

// Consumer is a projection or a flow as a Runner runs it.
type Consumer interface {
	// Name identifies the consumer and its checkpoint.
	Name() string
	// Run runs it until ctx ends.
	Run(ctx context.Context) error
	// Status describes it now.
	Status(ctx context.Context) (engine.Status, error)
	// Wait returns once it has handled every event up to position.
	Wait(ctx context.Context, position uint64) error
}

var (
	_ Consumer = (*Projection[any])(nil)
	_ Consumer = (*Flow)(nil)
)

// Runner runs projections and flows side by side, each on a goroutine of
// its own and at its own pace: a slow one holds back neither the others
// nor the publisher. Its zero value is ready to use; it is safe for
// concurrent use.
type Runner struct {
	mu        sync.Mutex
	consumers []Consumer
	names     map[string]struct{}
	running   bool
}

// Add adds consumers to the runner. A nil consumer (a nil *Projection or
// *Flow too, whose name is empty), a name that another consumer of the
// runner has (checkpoints are kept by name), or a runner that runs already
// is an error matching herald.ErrInvalid, and then none of them is added.
func (r *Runner) Add(consumers ...Consumer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return invalid("", "add to a runner that runs")
	}
	seen := make(map[string]struct{}, len(consumers))
	for _, c := range consumers {
		if c == nil {
			return invalid("", "add a nil consumer")
		}
		name := c.Name()
		if name == "" {
			return invalid("", "add a consumer without a name")
		}
		_, taken := r.names[name]
		if _, twice := seen[name]; taken || twice {
			return invalid(name, "two projections or flows of one name")
		}
		seen[name] = struct{}{}
	}
	if r.names == nil {
		r.names = make(map[string]struct{})
	}
	for name := range seen {
		r.names[name] = struct{}{}
	}
	r.consumers = append(r.consumers, consumers...)
	return nil
}

// Run runs every consumer until ctx ends, and returns once all of them
// returned: nil, or their errors joined. A second Run while one runs is an
// error matching herald.ErrInvalid, and so is a nil ctx.
func (r *Runner) Run(ctx context.Context) error {
	if ctx == nil {
		return nilContext("", "runner: run")
	}
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return invalid("", "the runner runs already")
	}
	r.running = true
	consumers := append([]Consumer(nil), r.consumers...)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()
	errs := make([]error, len(consumers))
	var wg sync.WaitGroup
	for i, c := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Status describes every consumer, in the order they were added.
func (r *Runner) Status(ctx context.Context) ([]engine.Status, error) {
	if ctx == nil {
		return nil, nilContext("", "runner: status")
	}
	r.mu.Lock()
	consumers := append([]Consumer(nil), r.consumers...)
	r.mu.Unlock()
	all := make([]engine.Status, 0, len(consumers))
	for _, c := range consumers {
		s, err := c.Status(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, s)
	}
	return all, nil
}

// Settle returns once nothing is in flight: every consumer of the runner
// has handled every event of the log, including the events that flows
// published in reaction while the others caught up. It returns the
// [*engine.FailedError] of a consumer that stopped on an event, and an
// error wrapping ctx.Err() when ctx ends first. A nil ctx is an error
// matching herald.ErrInvalid.
func (r *Runner) Settle(ctx context.Context) error {
	if ctx == nil {
		return nilContext("", "runner: settle")
	}
	r.mu.Lock()
	consumers := append([]Consumer(nil), r.consumers...)
	r.mu.Unlock()
	for {
		settled := true
		for _, c := range consumers {
			s, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if s.Position >= s.Head {
				continue
			}
			settled = false
			if err := c.Wait(ctx, s.Head); err != nil {
				return err
			}
		}
		if settled {
			return nil
		}
	}
}
