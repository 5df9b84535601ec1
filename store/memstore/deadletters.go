package memstore

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

var _ driver.DeadLetterStore = (*Store)(nil)

// SaveDeadLetter keeps d under its consumer and its event's id,
// replacing what is kept under them. An empty consumer name or a nil
// event id is an error matching herald.ErrInvalid.
func (s *Store) SaveDeadLetter(ctx context.Context, d herald.DeadLetter) error {
	if err := checkDeadLetter(d.Subscription, d.Event.ID); err != nil {
		return errorf("save dead letter: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("save dead letter: %w", err)
	}
	if err := s.sealLetter(&d); err != nil {
		return errorf("save dead letter: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return errorf("save dead letter: %w", herald.ErrClosed)
	}
	if s.letters == nil {
		s.letters = make(map[string][]herald.DeadLetter)
	}
	all := s.letters[d.Subscription]
	if i := indexOfLetter(all, d.Event.ID); i >= 0 {
		all = slices.Delete(all, i, i+1)
	}
	i, _ := slices.BinarySearchFunc(all, d.Event.Metadata.Position, func(l herald.DeadLetter, pos uint64) int {
		return cmpUint64(l.Event.Metadata.Position, pos)
	})
	s.letters[d.Subscription] = slices.Insert(all, i, d)
	return nil
}

// DeadLetters yields the dead letters of consumer, in the order
// of their events' positions, as they are when the iteration begins.
func (s *Store) DeadLetters(ctx context.Context, consumer string) iter.Seq2[herald.DeadLetter, error] {
	return func(yield func(herald.DeadLetter, error) bool) {
		if err := s.usable(ctx); err != nil {
			yield(herald.DeadLetter{}, errorf("dead letters: %w", err))
			return
		}
		s.mu.Lock()
		all := slices.Clone(s.letters[consumer])
		s.mu.Unlock()
		for _, d := range all {
			if err := s.open(&d.Event); err != nil {
				yield(herald.DeadLetter{}, errorf("dead letters: %w", err))
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// DeleteDeadLetter removes the dead letter of consumer for the event id,
// or returns an error matching herald.ErrNotFound.
func (s *Store) DeleteDeadLetter(ctx context.Context, consumer string, id uuid.UUID) error {
	if err := checkDeadLetter(consumer, id); err != nil {
		return errorf("delete dead letter: %w", err)
	}
	if err := s.usable(ctx); err != nil {
		return errorf("delete dead letter: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.letters[consumer]
	i := indexOfLetter(all, id)
	if i < 0 {
		return errorf("delete dead letter of %q for %s: %w", consumer, id, herald.ErrNotFound)
	}
	s.letters[consumer] = slices.Delete(all, i, i+1)
	return nil
}

func checkDeadLetter(consumer string, id uuid.UUID) error {
	switch {
	case consumer == "":
		return fmt.Errorf("empty consumer name: %w", herald.ErrInvalid)
	case id == uuid.Nil:
		return fmt.Errorf("the event id is the nil uuid: %w", herald.ErrInvalid)
	}
	return nil
}

func indexOfLetter(all []herald.DeadLetter, id uuid.UUID) int {
	return slices.IndexFunc(all, func(l herald.DeadLetter) bool { return l.Event.ID == id })
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
