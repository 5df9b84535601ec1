package httpapi

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
	"github.com/herald-go/herald/match"
)

// scanLimit bounds how many events one GET /events reads to fill a page
// with events the caller may see; past it the page is answered as it is,
// with its cursor.
const scanLimit = 10 * herald.MaxTop

// queryParams are the parameters GET /events takes.
var queryParams = []string{"top", "cursor", "name", "correlationId", "label", "timestampMin", "timestampMax", "order"}

// eventsPage is the answer of GET /events, as ADSP's value service
// shapes it.
type eventsPage struct {
	Results []herald.Event `json:"results"`
	Page    pageInfo       `json:"page"`
}

type pageInfo struct {
	Size int    `json:"size"`
	Next string `json:"next"`
}

// getEvents answers GET /events: one page of the log query, with the
// events the caller may see.
func (h *Handler) getEvents(w http.ResponseWriter, r *http.Request) {
	c, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	v, p := queryOf(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	q, p := parseQuery(v)
	if p != nil {
		writeProblem(w, p)
		return
	}
	events, next, err := h.visiblePage(r, q, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if events == nil {
		events = []herald.Event{}
	}
	h.writeJSON(w, r, http.StatusOK, eventsPage{Results: events, Page: pageInfo{Size: len(events), Next: encodeCursor(q, next)}})
}

// visiblePage reads pages of q until it has q.Top events c may see, the
// log has no more, or scanLimit events were read. It asks each page for
// the events still missing, so that the store's cursor of the last page
// continues right after the last event read.
func (h *Handler) visiblePage(r *http.Request, q herald.Query, c *caller) ([]herald.Event, string, error) {
	want := q.Top
	if want == 0 {
		want = herald.DefaultTop
	}
	var events []herald.Event
	scanned := 0
	for {
		q.Top = want - len(events)
		page, err := h.store.Query(r.Context(), q)
		if err != nil {
			return nil, "", err
		}
		for i := range page.Events {
			if c.sees(&page.Events[i]) {
				events = append(events, page.Events[i])
			}
		}
		scanned += len(page.Events)
		if page.Cursor == "" || len(events) == want || scanned >= scanLimit {
			return events, page.Cursor, nil
		}
		q.Cursor = page.Cursor
	}
}

// parseQuery reads GET /events's parameters into a query whose Cursor is
// the store's.
func parseQuery(v url.Values) (herald.Query, *problem) {
	if p := unknownParams(v, queryParams); p != nil {
		return herald.Query{}, p
	}
	q := herald.Query{Newest: true, Names: v["name"]}
	if _, err := match.ParseNames(q.Names...); err != nil {
		return q, badParameter("name", err.Error())
	}
	var p *problem
	if q.Top, p = intParam(v, "top", 1, herald.MaxTop); p != nil {
		return q, p
	}
	switch order := v.Get("order"); order {
	case "", "desc":
	case "asc":
		q.Newest = false
	default:
		return q, badParameter("order", "want asc or desc, got "+excerpt.Quote(order))
	}
	if s := v.Get("correlationId"); s != "" {
		q.CorrelationID = CorrelationID(s)
	}
	if q.Labels, p = labelParams(v["label"]); p != nil {
		return q, p
	}
	if p = timeParams(v, &q); p != nil {
		return q, p
	}
	if c := v.Get("cursor"); c != "" {
		if q.Cursor, p = decodeCursor(q, c); p != nil {
			return q, p
		}
	}
	return q, nil
}

// queryOf parses r's query, refusing a malformed one rather than
// dropping what does not parse, as r.URL.Query does.
func queryOf(r *http.Request) (url.Values, *problem) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &problem{Status: http.StatusBadRequest, Type: typeInvalidParameter, Detail: "malformed query: " + err.Error()}
	}
	return v, nil
}

// unknownParams refuses a parameter that is not one of known, rather than
// ignore what a caller meant.
func unknownParams(v url.Values, known []string) *problem {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(known, k) {
			return badParameter(k, fmt.Sprintf("unknown parameter; known are %s", strings.Join(known, ", ")))
		}
	}
	return nil
}

// intParam reads an optional integer parameter from low to high; 0 when
// absent.
func intParam(v url.Values, name string, low, high int) (int, *problem) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < low || n > high {
		return 0, badParameter(name, fmt.Sprintf("want an integer from %d to %d, got %s", low, high, excerpt.Quote(s)))
	}
	return n, nil
}

// labelParams reads label=key:value parameters.
func labelParams(values []string) (map[string]string, *problem) {
	if len(values) == 0 {
		return nil, nil
	}
	labels := make(map[string]string, len(values))
	for _, kv := range values {
		k, val, ok := strings.Cut(kv, ":")
		if !ok || k == "" {
			return nil, badParameter("label", "want key:value, got "+excerpt.Quote(kv))
		}
		if old, twice := labels[k]; twice && old != val {
			return nil, badParameter("label", fmt.Sprintf("label %s asked with two values", excerpt.Quote(k)))
		}
		labels[k] = val
	}
	return labels, nil
}

// timeParams reads timestampMin and timestampMax, both inclusive.
func timeParams(v url.Values, q *herald.Query) *problem {
	var p *problem
	if q.Since, p = timeParam(v, "timestampMin"); p != nil {
		return p
	}
	if q.Until, p = timeParam(v, "timestampMax"); p != nil {
		return p
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return badParameter("timestampMin", "is after timestampMax")
	}
	return nil
}

// timeParam reads an optional RFC 3339 parameter; zero when absent.
func timeParam(v url.Values, name string) (time.Time, *problem) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, reason := readTime(s)
	if reason != "" {
		return time.Time{}, badParameter(name, reason)
	}
	return t, nil
}
