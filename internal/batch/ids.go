package batch

import (
	"bytes"
	"fmt"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// small is the batch size up to which CheckUniqueIDs compares every pair
// instead of keeping a set.
const small = 16

// CheckUniqueIDs returns an error matching herald.ErrInvalid that names the
// first event whose id an event before it in the batch has. Ids in
// increasing order, as a publisher makes them, are unique without more
// work; a small batch is compared pair by pair; a larger one is kept in
// seen, which it clears first (nil: it makes one).
func CheckUniqueIDs(events []herald.Event, seen map[uuid.UUID]struct{}) error {
	if IDsIncrease(events) {
		return nil
	}
	if len(events) <= small {
		for i := 1; i < len(events); i++ {
			for j := range i {
				if events[i].ID == events[j].ID {
					return repeated(i, events[i].ID)
				}
			}
		}
		return nil
	}
	if seen == nil {
		seen = make(map[uuid.UUID]struct{}, len(events))
	} else {
		clear(seen)
	}
	for i := range events {
		id := events[i].ID
		if _, dup := seen[id]; dup {
			return repeated(i, id)
		}
		seen[id] = struct{}{}
	}
	return nil
}

func repeated(i int, id uuid.UUID) error {
	return fmt.Errorf("event %d: id %s appears twice in the batch: %w", i, id, herald.ErrInvalid)
}

// IDsIncrease reports whether each event's id is greater than the one
// before, bytewise, as the time-ordered ids a publisher makes are.
func IDsIncrease(events []herald.Event) bool {
	for i := 1; i < len(events); i++ {
		if bytes.Compare(events[i-1].ID[:], events[i].ID[:]) >= 0 {
			return false
		}
	}
	return true
}
