package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// checkpointLister is the capability of the stores of this repository to
// list their checkpoints.
type checkpointLister interface {
	Checkpoints(ctx context.Context) (map[string]uint64, error)
}

func (s *storeSource) consumers(ctx context.Context, names []string) ([]consumerStatus, error) {
	cs, ok := s.store.(driver.CheckpointStore)
	if !ok {
		return nil, errNotSupported("listing consumers", fmt.Sprintf("%T keeps no checkpoints", s.store))
	}
	all := map[string]uint64{}
	if l, ok := s.store.(checkpointLister); ok {
		var err error
		if all, err = l.Checkpoints(ctx); err != nil {
			return nil, err
		}
	}
	if err := boltProjections(s.store, all); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := all[n]; ok {
			continue
		}
		cp, err := cs.LoadCheckpoint(ctx, n)
		if err != nil {
			return nil, err
		}
		all[n] = cp
	}
	st, err := s.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]consumerStatus, 0, len(all))
	for name, cp := range all {
		list = append(list, consumerStatus{Name: name, Checkpoint: cp, Lag: st.Head - min(cp, st.Head), State: s.state})
	}
	slices.SortFunc(list, func(a, b consumerStatus) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

func (s *storeSource) deadLetterStore() (driver.DeadLetterStore, error) {
	d, ok := s.store.(driver.DeadLetterStore)
	if !ok {
		return nil, errNotSupported("dead letters", fmt.Sprintf("%T keeps none", s.store))
	}
	return d, nil
}

func (s *storeSource) deadLetters(ctx context.Context, consumer string) ([]herald.DeadLetter, error) {
	d, err := s.deadLetterStore()
	if err != nil {
		return nil, err
	}
	var all []herald.DeadLetter
	for l, err := range d.DeadLetters(ctx, consumer) {
		if err != nil {
			return nil, err
		}
		all = append(all, l)
	}
	return all, nil
}

func (s *storeSource) replay(context.Context, string, uuid.UUID) error {
	return errNotSupported("replay", "it runs the consumer's handler, which only the running application has; use --url")
}

func (s *storeSource) discard(ctx context.Context, consumer string, id uuid.UUID) error {
	d, err := s.deadLetterStore()
	if err != nil {
		return err
	}
	return d.DeleteDeadLetter(ctx, consumer, id)
}
