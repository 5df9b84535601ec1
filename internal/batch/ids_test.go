package batch_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/batch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// events returns n events with ids: increasing version 7 ones when
// ordered, else random ones in decreasing order.
func events(n int, ordered bool) []herald.Event {
	es := make([]herald.Event, n)
	for i := range es {
		if ordered {
			es[i].ID = uuid.Must(uuid.NewV7())
		} else {
			es[i].ID = uuid.New()
		}
	}
	slices.SortFunc(es, func(a, b herald.Event) int { return slices.Compare(a.ID[:], b.ID[:]) })
	if !ordered {
		slices.Reverse(es)
	}
	return es
}

func TestCheckUniqueIDs(t *testing.T) {
	seen := make(map[uuid.UUID]struct{})
	for _, n := range []int{0, 1, 2, 16, 17, 300} {
		for _, ordered := range []bool{true, false} {
			es := events(n, ordered)
			assert.Equal(t, ordered || n < 2, batch.IDsIncrease(es), "n=%d", n)
			require.NoError(t, batch.CheckUniqueIDs(es, nil), "n=%d ordered=%v", n, ordered)
			require.NoError(t, batch.CheckUniqueIDs(es, seen), "n=%d ordered=%v, with a map used before", n, ordered)
			if n < 2 {
				continue
			}
			es[n-1].ID = es[(n-1)/2].ID
			for _, m := range []map[uuid.UUID]struct{}{nil, seen} {
				err := batch.CheckUniqueIDs(es, m)
				require.ErrorIs(t, err, herald.ErrInvalid, "n=%d", n)
				assert.Contains(t, err.Error(), es[n-1].ID.String())
				assert.Contains(t, err.Error(), fmt.Sprintf("event %d:", n-1), "the second of the two")
			}
		}
	}
}
