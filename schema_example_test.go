package herald_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// Shipped is the data of shop.order.shipped in the examples.
type Shipped struct {
	Carrier string   `json:"carrier" jsonschema:"enum=post,enum=courier"`
	Parcels []Parcel `json:"parcels"`
}

// Parcel is one parcel of a Shipped order.
type Parcel struct {
	Weight int `json:"weight" jsonschema:"minimum=1" jsonschema_description:"Grams."`
}

// Data that arrives as JSON is checked against the schema derived from
// its Go type before it is stored.
func ExampleDefine_schema() {
	r, _ := herald.NewRegistry()
	_, _ = herald.Define[Shipped](r, "shop", "order", "shipped")
	store, _ := memstore.New()
	p, _ := herald.NewPublisher(store, nil, herald.WithRegistry(r))
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: uuid.New()}

	_, err := p.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "shipped",
		Data: json.RawMessage(`{"carrier":"post","parcels":[{"weight":500},{"weight":0}]}`)})
	fmt.Println(err)
	stats, _ := store.Stats(context.Background())
	fmt.Println("stored:", stats.Events)
	// Output:
	// herald: publish: event shop.order.shipped: data: /parcels/1/weight: must be >= 1: invalid input
	// stored: 0
}

// The registry as an AsyncAPI 3.0 document, for a catalogue of the
// application's events.
func ExampleRegistry_AsyncAPI() {
	r, _ := herald.NewRegistry()
	_, _ = herald.Define[Shipped](r, "shop", "order", "shipped", herald.WithDescription("The order left the warehouse."),
		herald.WithSample(Shipped{Carrier: "post", Parcels: []Parcel{{Weight: 500}}}))
	doc, _ := r.AsyncAPI(herald.AsyncAPIInfo{Title: "Shop", Version: "1.0.0"})

	var catalogue struct {
		Channels map[string]struct{ Address, Description string }
	}
	_ = json.Unmarshal(doc, &catalogue)
	for id, c := range catalogue.Channels {
		fmt.Printf("%s: %s %q\n", id, c.Address, c.Description)
	}
	// Output:
	// shop.order.shipped: shop.order.shipped "The order left the warehouse."
}
