package storetest

import (
	"context"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) subscriptionCases() []testCase {
	return []testCase{
		{"NoneYet", s.testSubscriptionsNoneYet},
		{"RoundTripInIDOrder", s.testSubscriptionsRoundTrip},
		{"SaveReplaces", s.testSubscriptionsReplace},
		{"Delete", s.testSubscriptionsDelete},
		{"Invalid", s.testSubscriptionsInvalid},
		{"Cancelled", s.testSubscriptionsCancelled},
	}
}

// subscriptions reads every subscription of ss.
func subscriptions(t *testing.T, ss driver.SubscriptionStore) []driver.SubscriptionRecord {
	t.Helper()
	var all []driver.SubscriptionRecord
	for r, err := range ss.Subscriptions(t.Context()) {
		require.NoError(t, err)
		all = append(all, r)
	}
	return all
}

func (s suite) testSubscriptionsNoneYet(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	assert.Empty(t, subscriptions(t, ss))
}

func (s suite) testSubscriptionsRoundTrip(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	for _, id := range []string{"c", "a", "b"} {
		require.NoError(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: id, Data: []byte(`{"id":"` + id + `"}`)}))
	}
	all := subscriptions(t, ss)
	require.Len(t, all, 3)
	for i, id := range []string{"a", "b", "c"} {
		assert.Equal(t, id, all[i].ID)
		assert.Equal(t, `{"id":"`+id+`"}`, string(all[i].Data))
	}
}

func (s suite) testSubscriptionsReplace(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	data := []byte("first")
	require.NoError(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: "a", Data: data}))
	copy(data, "XXXXX") // the store keeps its own copy
	require.NoError(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: "b", Data: []byte("other")}))
	all := subscriptions(t, ss)
	require.Len(t, all, 2)
	assert.Equal(t, "first", string(all[0].Data))
	require.NoError(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: "a", Data: []byte("second")}))
	all = subscriptions(t, ss)
	require.Len(t, all, 2)
	assert.Equal(t, "second", string(all[0].Data))
}

func (s suite) testSubscriptionsDelete(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	require.NoError(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{ID: "a", Data: []byte("{}")}))
	require.NoError(t, ss.DeleteSubscription(t.Context(), "a"))
	assert.Empty(t, subscriptions(t, ss))
	assert.ErrorIs(t, ss.DeleteSubscription(t.Context(), "a"), herald.ErrNotFound)
}

func (s suite) testSubscriptionsInvalid(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	assert.ErrorIs(t, ss.SaveSubscription(t.Context(), driver.SubscriptionRecord{Data: []byte("{}")}), herald.ErrInvalid)
	assert.Empty(t, subscriptions(t, ss), "nothing kept")
}

func (s suite) testSubscriptionsCancelled(t *testing.T) {
	ss := newStoreAs[driver.SubscriptionStore](t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, ss.SaveSubscription(ctx, driver.SubscriptionRecord{ID: "a", Data: []byte("{}")}), context.Canceled)
	for _, err := range ss.Subscriptions(ctx) {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Empty(t, subscriptions(t, ss), "nothing kept")
}
