package match_test

import (
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/match"
)

// A filter is what a bus makes of a subscription's Events and Pattern: an
// event must match both.
func Example() {
	f, err := match.NewFilter([]string{"shop.order.*"}, `{
		"name": [{"anything-but": "cancelled"}],
		"data": {"total": [{"numeric": [">=", 100]}]},
		"metadata": {"labels": {"region": [{"prefix": "eu-"}]}}
	}`)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := herald.Event{
		Aggregate: herald.AggregateRef{Context: "shop", Name: "order"},
		Name:      "placed",
		Data:      map[string]any{"total": 120},
		Metadata:  herald.Metadata{Labels: map[string]string{"region": "eu-west-1"}},
	}
	fmt.Println(f.Match(&e))
	e.Name = "cancelled"
	fmt.Println(f.Match(&e))
	fmt.Println(f.Events())
	// Output:
	// true
	// false
	// shop.order.*
}

// Names match full event names, a segment at a time.
func ExampleParseNames() {
	names, err := match.ParseNames("shop.*.placed", "billing.invoice.*")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range []herald.Event{
		{Aggregate: herald.AggregateRef{Context: "shop", Name: "cart"}, Name: "placed"},
		{Aggregate: herald.AggregateRef{Context: "shop", Name: "cart"}, Name: "emptied"},
		{Aggregate: herald.AggregateRef{Context: "billing", Name: "invoice"}, Name: "sent"},
	} {
		fmt.Println(e.FullName(), names.Match(&e))
	}
	_, err = match.ParseNames("shop.order")
	fmt.Println(err)
	// Output:
	// shop.cart.placed true
	// shop.cart.emptied false
	// billing.invoice.sent true
	// match: event name pattern "shop.order": want context.aggregate.name: invalid input
}

// A pattern selects events by any field of the envelope, the payload
// included.
func ExampleParsePattern() {
	p, err := match.ParsePattern([]byte(`{
		"context": {"name": ["communication"]},
		"name": [{"anything-but": "deleted"}],
		"data": {"likes": [{"numeric": [">=", 10]}]}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message"},
		Name:      "liked",
		Data:      map[string]any{"likes": 12},
	}
	fmt.Println(p.Match(&e))
	e.Data = map[string]any{"likes": 9}
	fmt.Println(p.Match(&e))

	_, err = match.ParsePattern([]byte(`{"name": [{"regex": "li.*"}]}`))
	fmt.Println(err)
	// Output:
	// true
	// false
	// match: pattern: field name: unknown operator "regex": invalid input
}

// A Path reads one value of an event's envelope, as MarshalJSON
// writes it.
func ExampleParsePath() {
	e := herald.Event{
		Aggregate: herald.AggregateRef{Context: "communication", Name: "message"},
		Name:      "sent",
		Metadata:  herald.Metadata{Revision: 3, Labels: map[string]string{"room": "a"}},
	}
	for _, path := range []string{"context.name", "metadata.revision", "metadata.labels.room", "user.id"} {
		p, err := match.ParsePath(path)
		if err != nil {
			fmt.Println(err)
			return
		}
		v, ok := p.Value(&e)
		fmt.Println(path, v, ok)
	}
	_, err := match.ParsePath("aggregate.kind")
	fmt.Println(err)
	// Output:
	// context.name communication true
	// metadata.revision 3 true
	// metadata.labels.room a true
	// user.id <nil> false
	// match: "aggregate.kind" is not a path of the event envelope: invalid input
}
