package nilargs

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// StoreCases are the cases of the methods every herald.Store has, and of
// driver.SnapshotStore and driver.CheckpointStore when s is one, for the
// stores' own tests to run with theirs.
func StoreCases(s herald.Store) []Case {
	ctx := context.Background()
	var nilContext context.Context
	ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	valid := herald.Event{Aggregate: ref, Name: "sent", ID: uuid.New()}
	cases := []Case{
		{Name: "valid: Store.Append(ctx, nil) stores nothing", Call: func(*testing.T) error {
			return s.Append(ctx, nil)
		}},
		{Name: "Store.Append(ctx, []Event{{}})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.Append(ctx, []herald.Event{{}})
		}},
		{Name: "Store.Append(nil, events)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return s.Append(nilContext, []herald.Event{valid})
		}},
		{Name: "Store.ReadStream(ctx, AggregateRef{}, 0, 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return Err(s.ReadStream(ctx, herald.AggregateRef{}, 0, 0))
		}},
		{Name: "Store.ReadStream(nil, ref, 0, 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return Err(s.ReadStream(nilContext, ref, 0, 0))
		}},
		{Name: "valid: Store.ReadLog(ctx, 0) reads from the start", Call: func(*testing.T) error {
			return Err(s.ReadLog(ctx, 0))
		}},
		{Name: "Store.ReadLog(nil, 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			return Err(s.ReadLog(nilContext, 0))
		}},
		{Name: "valid: Store.Query(ctx, Query{}) is the first page", Call: func(*testing.T) error {
			_, err := s.Query(ctx, herald.Query{})
			return err
		}},
		{Name: "Store.Query(nil, Query{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := s.Query(nilContext, herald.Query{})
			return err
		}},
		{Name: "valid: Store.Stats(ctx) of the log", Call: func(*testing.T) error {
			_, err := s.Stats(ctx)
			return err
		}},
		{Name: "Store.Stats(nil)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
			_, err := s.Stats(nilContext)
			return err
		}},
	}
	if snaps, ok := s.(driver.SnapshotStore); ok {
		cases = append(cases, []Case{
			{Name: "Store.SaveSnapshot(ctx, Snapshot{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				return snaps.SaveSnapshot(ctx, herald.Snapshot{})
			}},
			{Name: "Store.SaveSnapshot(nil, snapshot)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				return snaps.SaveSnapshot(nilContext, herald.Snapshot{Aggregate: ref, Revision: 1})
			}},
			{Name: "Store.LoadSnapshot(ctx, AggregateRef{})", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				_, err := snaps.LoadSnapshot(ctx, herald.AggregateRef{})
				return err
			}},
			{Name: "Store.LoadSnapshot(nil, ref)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				_, err := snaps.LoadSnapshot(nilContext, ref)
				return err
			}},
		}...)
	}
	if checkpoints, ok := s.(driver.CheckpointStore); ok {
		cases = append(cases, []Case{
			{Name: "Store.SaveCheckpoint(ctx, \"\", 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				return checkpoints.SaveCheckpoint(ctx, "", 0)
			}},
			{Name: "Store.SaveCheckpoint(nil, name, 0)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				return checkpoints.SaveCheckpoint(nilContext, "consumer", 0)
			}},
			{Name: "Store.LoadCheckpoint(ctx, \"\")", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				_, err := checkpoints.LoadCheckpoint(ctx, "")
				return err
			}},
			{Name: "Store.LoadCheckpoint(nil, name)", Want: herald.ErrInvalid, Call: func(*testing.T) error {
				_, err := checkpoints.LoadCheckpoint(nilContext, "consumer")
				return err
			}},
		}...)
	}
	return cases
}
