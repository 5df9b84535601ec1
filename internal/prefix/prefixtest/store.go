package prefixtest

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// storeCase is a call that fails with an error matching target.
type storeCase struct {
	target error
	call   func(s herald.Store) error
}

// CheckStore provokes the errors every store returns, on a fresh store
// of newStore each, and checks each with Check under the prefix pkg.
func CheckStore(t *testing.T, pkg string, newStore func(t *testing.T) herald.Store) {
	ctx := context.Background()
	var nilContext context.Context
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}
	event := func(rev uint64) herald.Event {
		e := herald.Event{Aggregate: ref, Name: "placed", ID: uuid.New()}
		e.Metadata.Revision = rev
		return e
	}
	first := event(1)
	cases := map[string]storeCase{
		"nil context": {herald.ErrInvalid, func(s herald.Store) error { return s.Append(nilContext, []herald.Event{event(0)}) }},
		"invalid event": {herald.ErrInvalid, func(s herald.Store) error {
			return s.Append(ctx, []herald.Event{{Aggregate: ref, Name: "placed"}})
		}},
		"conflict": {herald.ErrConflict, func(s herald.Store) error {
			if err := s.Append(ctx, []herald.Event{event(1)}); err != nil {
				return err
			}
			return s.Append(ctx, []herald.Event{event(1)})
		}},
		"duplicate": {herald.ErrDuplicate, func(s herald.Store) error {
			if err := s.Append(ctx, []herald.Event{first}); err != nil {
				return err
			}
			return s.Append(ctx, []herald.Event{event(0), first})
		}},
		"bad cursor": {herald.ErrInvalid, func(s herald.Store) error {
			_, err := s.Query(ctx, herald.Query{Cursor: "nope"})
			return err
		}},
		"bad names": {herald.ErrInvalid, func(s herald.Store) error {
			_, err := s.Query(ctx, herald.Query{Names: []string{"a..b"}})
			return err
		}},
		"read a bad ref": {herald.ErrInvalid, func(s herald.Store) error {
			for _, err := range s.ReadStream(ctx, herald.AggregateRef{}, 0, 0) {
				return err
			}
			return nil
		}},
	}
	if _, ok := newStore(t).(driver.SnapshotStore); ok {
		cases["no snapshot"] = storeCase{herald.ErrNotFound, func(s herald.Store) error {
			_, err := s.(driver.SnapshotStore).LoadSnapshot(ctx, ref)
			return err
		}}
	}
	if _, ok := newStore(t).(driver.DeadLetterStore); ok {
		cases["no dead letter"] = storeCase{herald.ErrNotFound, func(s herald.Store) error {
			return s.(driver.DeadLetterStore).DeleteDeadLetter(ctx, "c", uuid.New())
		}}
	}
	if _, ok := newStore(t).(driver.CheckpointStore); ok {
		cases["empty consumer"] = storeCase{herald.ErrInvalid, func(s herald.Store) error {
			return s.(driver.CheckpointStore).SaveCheckpoint(ctx, "", 1)
		}}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			Check(t, tc.call(newStore(t)), pkg, tc.target)
		})
	}
	t.Run("closed", func(t *testing.T) {
		s := newStore(t)
		closer, ok := s.(interface{ Close() error })
		if !ok {
			t.Skip("the store has no Close")
		}
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
		Check(t, s.Append(ctx, []herald.Event{event(0)}), pkg, herald.ErrClosed)
		_, err := s.Stats(ctx)
		Check(t, err, pkg, herald.ErrClosed)
	})
}
