package driver_test

import (
	"fmt"
	"iter"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/driver"
)

// A store checks what it appends, and answers a query by reading its log
// in the query's order after From while Collect picks the page.
func Example() {
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}
	var log []herald.Event
	for i, name := range []string{"placed", "paid", "placed", "placed"} {
		e := herald.Event{Aggregate: ref, Name: name, ID: uuid.New()}
		if err := driver.CheckEnvelope(&e); err != nil {
			fmt.Println(err)
			return
		}
		e.Metadata.Position = uint64(i + 1)
		log = append(log, e)
	}
	fmt.Println(driver.CheckEnvelope(&herald.Event{Aggregate: ref, Name: "shipped"}))

	q := herald.Query{Names: []string{"shop.order.placed"}, Top: 2}
	for {
		p, err := driver.Prepare(q)
		if err != nil {
			fmt.Println(err)
			return
		}
		page, err := p.Collect(after(log, p.From))
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, e := range page.Events {
			fmt.Println(e.Name, "at", e.Metadata.Position)
		}
		if page.Cursor == "" {
			break
		}
		q.Cursor = page.Cursor
	}
	// Output:
	// event shop.order.shipped: id: is the nil uuid: invalid input
	// placed at 1
	// placed at 3
	// placed at 4
}

// after yields the events of log after position from, oldest first.
func after(log []herald.Event, from uint64) iter.Seq2[herald.Event, error] {
	return func(yield func(herald.Event, error) bool) {
		for _, e := range log[from:] {
			if !yield(e, nil) {
				return
			}
		}
	}
}
