package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (s suite) queryCases() []testCase {
	return []testCase{
		{"Order", s.testQueryOrder},
		{"Top", s.testQueryTop},
		{"Paging", s.testQueryPaging},
		{"PagingFiltered", s.testQueryPagingFiltered},
		{"Names", s.testQueryNames},
		{"CorrelationID", s.testQueryCorrelation},
		{"Labels", s.testQueryLabels},
		{"TimeRange", s.testQueryTimeRange},
		{"BadCursor", s.testQueryBadCursor},
	}
}

// query runs q, failing the test on an error.
func query(t *testing.T, st herald.Store, q herald.Query) herald.Page {
	t.Helper()
	page, err := st.Query(context.Background(), q)
	require.NoError(t, err, "query %+v", q)
	return page
}

// queryPages follows q's cursor to the last page and returns every page.
func queryPages(t *testing.T, st herald.Store, q herald.Query) []herald.Page {
	t.Helper()
	var pages []herald.Page
	for {
		page := query(t, st, q)
		pages = append(pages, page)
		if page.Cursor == "" {
			return pages
		}
		require.Less(t, len(pages), 1000, "the cursor never ends")
		q.Cursor = page.Cursor
	}
}

// newestFirst returns events in reverse order.
func newestFirst(events []herald.Event) []herald.Event {
	r := slices.Clone(events)
	slices.Reverse(r)
	return r
}

// seedLog appends n events of one aggregate in one batch.
func seedLog(t *testing.T, st herald.Store, n int) []herald.Event {
	t.Helper()
	return Append(t, st, events(NewRef("ctx", "agg"), "x", n)...)
}

func (s suite) testQueryOrder(t *testing.T) {
	st := s.newStore(t)
	stored := seedLog(t, st, 5)
	oldest := query(t, st, herald.Query{})
	AssertEventsEqual(t, stored, oldest.Events)
	assert.Empty(t, oldest.Cursor, "cursor of the only page")
	newest := query(t, st, herald.Query{Newest: true})
	AssertEventsEqual(t, newestFirst(stored), newest.Events)
	assert.Empty(t, newest.Cursor, "cursor of the only page")
}

func (s suite) testQueryTop(t *testing.T) {
	st := s.newStore(t)
	stored := seedLog(t, st, 250)
	page := query(t, st, herald.Query{})
	assert.Equal(t, Positions(stored[:herald.DefaultTop]), Positions(page.Events), "top 0 is DefaultTop")
	assert.NotEmpty(t, page.Cursor)
	page = query(t, st, herald.Query{Top: 7})
	assert.Equal(t, Positions(stored[:7]), Positions(page.Events))
	page = query(t, st, herald.Query{Top: 7, Newest: true})
	assert.Equal(t, Positions(newestFirst(stored)[:7]), Positions(page.Events))
	page = query(t, st, herald.Query{Top: herald.MaxTop})
	assert.Equal(t, Positions(stored), Positions(page.Events))
	assert.Empty(t, page.Cursor)

	for _, top := range []int{-1, herald.MaxTop + 1} {
		_, err := st.Query(t.Context(), herald.Query{Top: top})
		assert.ErrorIs(t, err, herald.ErrInvalid, "top %d", top)
	}
}

func (s suite) testQueryPaging(t *testing.T) {
	tests := []struct {
		name   string
		events int
		top    int
		sizes  []int
	}{
		{"250 by 100", 250, 0, []int{100, 100, 50}},
		{"200 by 100", 200, 0, []int{100, 100}},
		{"7 by 3", 7, 3, []int{3, 3, 1}},
		{"1 by 1", 1, 1, []int{1}},
		{"none", 0, 0, []int{0}},
	}
	for _, tt := range tests {
		for _, newest := range []bool{false, true} {
			name := tt.name + map[bool]string{false: " oldest first", true: " newest first"}[newest]
			t.Run(name, func(t *testing.T) {
				st := s.newStore(t)
				want := seedLog(t, st, tt.events)
				if newest {
					want = newestFirst(want)
				}
				pages := queryPages(t, st, herald.Query{Top: tt.top, Newest: newest})
				assertPages(t, tt.sizes, want, pages)
			})
		}
	}
}

// assertPages checks the sizes of pages and that together they hold want,
// in order, each event once.
func assertPages(t *testing.T, sizes []int, want []herald.Event, pages []herald.Page) {
	t.Helper()
	var got []herald.Event
	gotSizes := make([]int, len(pages))
	for i, p := range pages {
		gotSizes[i] = len(p.Events)
		got = append(got, p.Events...)
	}
	assert.Equal(t, sizes, gotSizes, "page sizes")
	assert.Equal(t, Positions(want), Positions(got), "positions across the pages")
}

func (s suite) testQueryPagingFiltered(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	var batch, matching []herald.Event
	for i := range 30 {
		batch = append(batch, event(ref, []string{"a", "b", "b"}[i%3], i))
	}
	stored := Append(t, st, batch...)
	for _, e := range stored {
		if e.Name == "a" {
			matching = append(matching, e)
		}
	}
	q := herald.Query{Names: []string{"ctx.agg.a"}, Top: 4}
	assertPages(t, []int{4, 4, 2}, matching, queryPages(t, st, q))
	q.Newest = true
	assertPages(t, []int{4, 4, 2}, newestFirst(matching), queryPages(t, st, q))
}

func (s suite) testQueryNames(t *testing.T) {
	tests := []struct {
		names []string
		want  []int // indexes of namedEvents
	}{
		{nil, []int{0, 1, 2, 3, 4}},
		{[]string{"chat.message.sent"}, []int{0, 3}},
		{[]string{"chat.message.*"}, []int{0, 1, 3}},
		{[]string{"chat.*.sent"}, []int{0, 2, 3}},
		{[]string{"*.*.sent"}, []int{0, 2, 3, 4}},
		{[]string{"*.*.*"}, []int{0, 1, 2, 3, 4}},
		{[]string{"chat.message.liked", "mail.*.*"}, []int{1, 4}},
		{[]string{"chat.message.deleted"}, nil},
		{[]string{"nope.*.*"}, nil},
	}
	for _, tt := range tests {
		t.Run(joinNames(tt.names), func(t *testing.T) {
			st := s.newStore(t)
			stored := Append(t, st, namedEvents()...)
			page := query(t, st, herald.Query{Names: tt.names})
			assert.Equal(t, Positions(pick(stored, tt.want)), Positions(page.Events))
		})
	}
	t.Run("malformed", func(t *testing.T) {
		st := s.newStore(t)
		for _, bad := range []string{"chat.message", "chat..sent", "chat.mess*.sent", ""} {
			_, err := st.Query(t.Context(), herald.Query{Names: []string{bad}})
			assert.ErrorIs(t, err, herald.ErrInvalid, "name %q", bad)
		}
	})
}

// namedEvents returns events of several contexts, aggregates and names.
func namedEvents() []herald.Event {
	msg, room := NewRef("chat", "message"), NewRef("chat", "room")
	mail := NewRef("mail", "message")
	return []herald.Event{
		event(msg, "sent", 0), event(msg, "liked", 0), event(room, "sent", 0),
		event(msg, "sent", 1), event(mail, "sent", 0),
	}
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, " ")
}

// pick returns the events of stored at indexes.
func pick(stored []herald.Event, indexes []int) []herald.Event {
	picked := make([]herald.Event, 0, len(indexes))
	for _, i := range indexes {
		picked = append(picked, stored[i])
	}
	return picked
}

func (s suite) testQueryCorrelation(t *testing.T) {
	st := s.newStore(t)
	ref, chain := NewRef("ctx", "agg"), uuid.New()
	batch := events(ref, "x", 5)
	for _, i := range []int{1, 3, 4} {
		batch[i].Metadata.CorrelationID = chain
	}
	batch[0].Metadata.CorrelationID = uuid.New()
	stored := Append(t, st, batch...)
	page := query(t, st, herald.Query{CorrelationID: chain})
	assert.Equal(t, Positions(pick(stored, []int{1, 3, 4})), Positions(page.Events))
}

func (s suite) testQueryLabels(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	labels := []map[string]string{
		{"program": "support", "tier": "gold"},
		{"program": "support"},
		{"program": "sales", "tier": "gold"},
		nil,
		{"program": "support", "tier": "silver"},
	}
	batch := events(ref, "x", len(labels))
	for i := range batch {
		batch[i].Metadata.Labels = labels[i]
	}
	stored := Append(t, st, batch...)
	tests := []struct {
		labels map[string]string
		want   []int
	}{
		{map[string]string{"program": "support"}, []int{0, 1, 4}},
		{map[string]string{"program": "support", "tier": "gold"}, []int{0}},
		{map[string]string{"tier": "gold"}, []int{0, 2}},
		{map[string]string{"program": "marketing"}, nil},
		{nil, []int{0, 1, 2, 3, 4}},
	}
	for _, tt := range tests {
		page := query(t, st, herald.Query{Labels: tt.labels})
		assert.Equal(t, Positions(pick(stored, tt.want)), Positions(page.Events), "labels %v", tt.labels)
	}
}

func (s suite) testQueryTimeRange(t *testing.T) {
	st := s.newStore(t)
	ref := NewRef("ctx", "agg")
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	batch := events(ref, "x", 5)
	for i := range batch {
		batch[i].Metadata.Timestamp = at(i)
	}
	stored := Append(t, st, batch...)
	tests := []struct {
		name         string
		since, until time.Time
		want         []int
	}{
		{"open", time.Time{}, time.Time{}, []int{0, 1, 2, 3, 4}},
		{"both inclusive", at(1), at(3), []int{1, 2, 3}},
		{"since", at(3), time.Time{}, []int{3, 4}},
		{"until", time.Time{}, at(1), []int{0, 1}},
		{"between events", at(1).Add(time.Second), at(2).Add(-time.Second), nil},
		{"one instant", at(2), at(2), []int{2}},
	}
	for _, tt := range tests {
		page := query(t, st, herald.Query{Since: tt.since, Until: tt.until})
		assert.Equal(t, Positions(pick(stored, tt.want)), Positions(page.Events), tt.name)
		page = query(t, st, herald.Query{Since: tt.since, Until: tt.until, Newest: true})
		assert.Equal(t, Positions(newestFirst(pick(stored, tt.want))), Positions(page.Events), tt.name+", newest first")
	}
	_, err := st.Query(t.Context(), herald.Query{Since: at(3), Until: at(1)})
	assert.ErrorIs(t, err, herald.ErrInvalid, "since after until")
}

func (s suite) testQueryBadCursor(t *testing.T) {
	st := s.newStore(t)
	seedLog(t, st, 5)
	oldest := query(t, st, herald.Query{Top: 2})
	newest := query(t, st, herald.Query{Top: 2, Newest: true})
	require.NotEmpty(t, oldest.Cursor)
	require.NotEmpty(t, newest.Cursor)
	tests := []struct {
		name string
		q    herald.Query
	}{
		{"garbage", herald.Query{Cursor: "garbage!"}},
		{"not base64 of a cursor", herald.Query{Cursor: "aGVsbG8"}},
		{"newest cursor, oldest first", herald.Query{Cursor: newest.Cursor}},
		{"oldest cursor, newest first", herald.Query{Cursor: oldest.Cursor, Newest: true}},
	}
	for _, tt := range tests {
		_, err := st.Query(t.Context(), tt.q)
		assert.ErrorIs(t, err, herald.ErrInvalid, tt.name)
	}
}
