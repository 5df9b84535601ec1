package herald_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
)

// Placed is the payload of shop.order.placed in the schema tests.
type Placed struct {
	Customer string      `json:"customer" jsonschema:"format=email" jsonschema_description:"Who placed the order."`
	Items    []OrderItem `json:"items" jsonschema:"minItems=1"`
	Channel  string      `json:"channel" jsonschema:"enum=web,enum=shop"`
	Note     string      `json:"note,omitempty"`
}

// OrderItem is one line of a Placed order.
type OrderItem struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity" jsonschema:"minimum=1,maximum=99"`
}

// Validate refuses an order for the customer nobody may sell to.
func (p Placed) Validate() error {
	if p.Customer == "banned@example.com" {
		return errors.New("the customer is banned")
	}
	return nil
}

func placedSample() Placed {
	return Placed{Customer: "jane@example.com", Items: []OrderItem{{SKU: "tea", Quantity: 2}}, Channel: "web"}
}

func definePlaced(t *testing.T, options ...herald.DefineOption) (*herald.Registry, *herald.Definition) {
	t.Helper()
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	d, err := herald.Define[Placed](r, "shop", "order", "placed", options...)
	require.NoError(t, err)
	return r, d
}

func TestDerivedSchema(t *testing.T) {
	_, d := definePlaced(t)
	var schema struct {
		Schema     string `json:"$schema"`
		Type       string
		Required   []string
		Properties map[string]struct {
			Type        string
			Format      string
			Description string
			Enum        []string
			AnyOf       []struct {
				Type     string
				MinItems int
			}
		}
		AdditionalProperties *bool
		Defs                 map[string]struct {
			Required   []string
			Properties map[string]struct{ Minimum, Maximum float64 }
		} `json:"$defs"`
	}
	require.NoError(t, json.Unmarshal(d.Schema(), &schema), "%s", d.Schema())
	assert.Equal(t, herald.SchemaDraft, schema.Schema)
	assert.Equal(t, "object", schema.Type)
	assert.ElementsMatch(t, []string{"customer", "items", "channel"}, schema.Required, "omitempty is not required")
	assert.Equal(t, "email", schema.Properties["customer"].Format)
	assert.Equal(t, "Who placed the order.", schema.Properties["customer"].Description)
	assert.Equal(t, []string{"web", "shop"}, schema.Properties["channel"].Enum)
	// A nil slice is written as null.
	items := schema.Properties["items"].AnyOf
	require.Len(t, items, 2)
	assert.Equal(t, "array", items[0].Type)
	assert.Equal(t, 1, items[0].MinItems)
	assert.Equal(t, "null", items[1].Type)
	require.NotNil(t, schema.AdditionalProperties)
	assert.False(t, *schema.AdditionalProperties)
	item := schema.Defs["OrderItem"]
	assert.Equal(t, 1.0, item.Properties["quantity"].Minimum)
	assert.Equal(t, 99.0, item.Properties["quantity"].Maximum)
	assert.ElementsMatch(t, []string{"sku", "quantity"}, item.Required)
}

func TestSchemaOfEveryKindOfType(t *testing.T) {
	type node struct {
		Name     string  `json:"name"`
		Children []*node `json:"children,omitempty"`
	}
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	for name, define := range map[string]func(string) (*herald.Definition, error){
		"recursive": func(n string) (*herald.Definition, error) { return herald.Define[node](r, "c", "a", n) },
		"map":       func(n string) (*herald.Definition, error) { return herald.Define[map[string]any](r, "c", "a", n) },
		"any":       func(n string) (*herald.Definition, error) { return herald.Define[any](r, "c", "a", n) },
		"raw":       func(n string) (*herald.Definition, error) { return herald.Define[json.RawMessage](r, "c", "a", n) },
		"string":    func(n string) (*herald.Definition, error) { return herald.Define[string](r, "c", "a", n) },
	} {
		d, err := define(name)
		require.NoError(t, err, name)
		assert.True(t, json.Valid(d.Schema()), name)
	}
	d, ok := r.Lookup("c", "a", "recursive")
	require.True(t, ok)
	assert.NoError(t, d.ValidateJSON([]byte(`{"name":"a","children":[{"name":"b"}]}`)))
	assert.ErrorContains(t, d.ValidateJSON([]byte(`{"name":"a","children":[{"name":1}]}`)), "/children/0/name: got number, want string")
}

func TestExplicitSchema(t *testing.T) {
	schema := `{"type":"object","properties":{"customer":{"type":"string"}},"required":["customer"]}`
	_, d := definePlaced(t, herald.WithSchema([]byte(schema)))
	assert.JSONEq(t, schema, string(d.Schema()))
	// The bytes returned are the caller's.
	d.Schema()[0] = ' '
	assert.JSONEq(t, schema, string(d.Schema()))
	assert.NoError(t, d.ValidateJSON([]byte(`{"customer":"x","anything":1}`)))
	assert.ErrorContains(t, d.ValidateJSON([]byte(`{}`)), "missing property 'customer'")
	assert.Nil(t, (*herald.Definition)(nil).Schema())
	assert.Nil(t, (&herald.Definition{}).Schema())
}

func TestDefineRefusesBadSchemasAndSamples(t *testing.T) {
	cases := []struct {
		name    string
		options []herald.DefineOption
		want    string
	}{
		{"schema not JSON", []herald.DefineOption{herald.WithSchema([]byte(`{"type":`))}, "WithSchema: the schema is not valid JSON"},
		{"schema that does not compile", []herald.DefineOption{herald.WithSchema([]byte(`{"type":5}`))}, "the schema does not compile"},
		{"schema referring elsewhere", []herald.DefineOption{herald.WithSchema([]byte(`{"$ref":"https://example.com/order.json"}`))}, "the schema does not compile"},
		{"sample the explicit schema refuses",
			[]herald.DefineOption{herald.WithSample(placedSample()), herald.WithSchema([]byte(`{"properties":{"channel":{"const":"shop"}}}`))},
			"sample: /channel: value must be 'shop'"},
		{"sample of another type", []herald.DefineOption{herald.WithSample(OrderItem{})}, "WithSample(herald_test.OrderItem)"},
	}
	t.Run("type without JSON", func(t *testing.T) {
		_, err := herald.Define[func()](newRegistry(t), "shop", "order", "placed")
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.ErrorContains(t, err, "herald: define shop.order.placed: no JSON Schema derives from func()")
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := herald.NewRegistry()
			require.NoError(t, err)
			d, err := herald.Define[Placed](r, "shop", "order", "placed", c.options...)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.ErrorIs(t, err, herald.ErrInvalid)
			assert.ErrorContains(t, err, "herald: define shop.order.placed: ")
			assert.ErrorContains(t, err, c.want)
			assert.Empty(t, r.Definitions(), "nothing is defined")
		})
	}
}

func TestSampleValidatesAgainstDerivedSchema(t *testing.T) {
	_, d := definePlaced(t, herald.WithSample(placedSample()))
	assert.NoError(t, d.ValidateSample())
	// A derived schema refuses a sample that does not look like real data
	// (no items at all); Define lets it pass, ValidateSample tells.
	_, d = definePlaced(t, herald.WithSample(Placed{Customer: "jane@example.com", Channel: "web", Items: []OrderItem{}}))
	err := d.ValidateSample()
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "event shop.order.placed: sample: /items: minItems: got 0, want 1")
}

func TestRawDataIsValidatedBeforeItIsStored(t *testing.T) {
	stores := map[string]func(t *testing.T) herald.Store{
		"memstore": func(t *testing.T) herald.Store {
			s, err := memstore.New()
			require.NoError(t, err)
			return s
		},
		"boltstore": func(t *testing.T) herald.Store {
			s, err := boltstore.Open(filepath.Join(t.TempDir(), "events.db"))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	cases := []struct {
		name string
		data string
		want []string // nil: accepted
	}{
		{"valid", `{"customer":"jane@example.com","items":[{"sku":"a","quantity":1},{"sku":"b","quantity":3}],"channel":"shop"}`, nil},
		{"bound", `{"customer":"jane@example.com","items":[{"sku":"a","quantity":1},{"sku":"b","quantity":2},{"sku":"c","quantity":0}],"channel":"web"}`,
			[]string{"event shop.order.placed: data: /items/2/quantity: must be >= 1"}},
		{"enum and format", `{"customer":"jane","items":[{"sku":"a","quantity":1}],"channel":"phone"}`,
			[]string{"/customer: 'jane' is not valid email", "/channel: value must be one of 'web', 'shop'"}},
		{"missing and extra", `{"items":[{"sku":"a","quantity":1}],"channel":"web","colour":"red"}`,
			[]string{"missing property 'customer'", "additional properties 'colour' not allowed"}},
		{"not an object", `[1]`, []string{"got array, want object"}},
		{"not JSON", `{"customer":`, []string{"data: is not valid JSON"}},
		{"Validate refuses", `{"customer":"banned@example.com","items":[{"sku":"a","quantity":1}],"channel":"web"}`,
			[]string{"data: the customer is banned"}},
	}
	for storeName, newStore := range stores {
		for _, c := range cases {
			t.Run(storeName+"/"+c.name, func(t *testing.T) {
				ctx := context.Background()
				r, _ := definePlaced(t)
				store := newStore(t)
				p, err := herald.NewPublisher(store, nil, herald.WithRegistry(r))
				require.NoError(t, err)
				e := herald.Event{Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: messageRef().ID},
					Name: "placed", Data: json.RawMessage(c.data)}
				stored, err := p.PublishBatch(ctx, []herald.Event{sentOther(), e})
				stats, statsErr := store.Stats(ctx)
				require.NoError(t, statsErr)
				if c.want == nil {
					require.NoError(t, err)
					assert.JSONEq(t, c.data, string(stored[1].Data.(json.RawMessage)), "the data is stored as given")
					assert.Equal(t, uint64(2), stats.Events)
					return
				}
				require.Error(t, err)
				assert.ErrorIs(t, err, herald.ErrInvalid)
				for _, want := range c.want {
					assert.ErrorContains(t, err, want)
				}
				assert.Zero(t, stats.Events, "nothing of the batch is stored")
			})
		}
	}
}

// sentOther is an event of another aggregate, published in the same batch.
func sentOther() herald.Event { return sentEvent(messageRef(), "hi") }

func TestSchemaErrorNamesEachFailure(t *testing.T) {
	_, d := definePlaced(t)
	err := d.ValidateJSON([]byte(`{"customer":"jane@example.com","items":[{"sku":"a","quantity":100}],"channel":"web"}`))
	var ve *herald.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "shop.order.placed", ve.Event)
	assert.Equal(t, "data", ve.Field)
	var se *herald.SchemaError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, []herald.SchemaFailure{{Pointer: "/items/0/quantity", Reason: "must be <= 99"}}, se.Failures)
}

func TestGoTypedDataIsNotValidatedAsJSON(t *testing.T) {
	r, _ := definePlaced(t)
	p, err := herald.NewPublisher(newStore(t), nil, herald.WithRegistry(r))
	require.NoError(t, err)
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: messageRef().ID}
	// The schema wants at least one item; a Go value is checked by its
	// type and Validate only.
	_, err = p.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "placed", Data: Placed{Customer: "x"}})
	assert.NoError(t, err)
	_, err = p.Publish(context.Background(), herald.Event{Aggregate: ref, Name: "placed", Data: Placed{Customer: "banned@example.com"}})
	assert.ErrorContains(t, err, "the customer is banned")
}

func TestRawDataIsValidatedConcurrently(t *testing.T) {
	r, _ := definePlaced(t)
	store := newStore(t)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(r))
	require.NoError(t, err)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				data := fmt.Sprintf(`{"customer":"jane@example.com","items":[{"sku":"a","quantity":%d}],"channel":"web"}`, i%2)
				_, err := p.Publish(context.Background(), herald.Event{
					Aggregate: herald.AggregateRef{Context: "shop", Name: "order", ID: messageRef().ID},
					Name:      "placed", Data: json.RawMessage(data)})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	refused := 0
	for err := range errs {
		if err != nil {
			assert.ErrorContains(t, err, "/items/0/quantity: must be >= 1")
			refused++
		}
	}
	assert.Equal(t, writers*((each+1)/2), refused, "every event with a quantity of 0 (even i) is refused")
	stats, err := store.Stats(context.Background())
	require.NoError(t, err)
	assert.Equal(t, uint64(writers*each-refused), stats.Events)
}

func TestRawDataIsValidatedBeforeItIsAttached(t *testing.T) {
	ctx := context.Background()
	r, _ := definePlaced(t)
	store := newStore(t)
	p, err := herald.NewPublisher(store, nil, herald.WithRegistry(r))
	require.NoError(t, err)
	uow := &herald.UnitOfWork{}
	inTx := herald.ContextWithTx(ctx, uow)
	ref := herald.AggregateRef{Context: "shop", Name: "order", ID: messageRef().ID}

	err = p.PublishAfterCommit(inTx, herald.Event{Aggregate: ref, Name: "placed", Data: json.RawMessage(`{"customer":"jane@example.com"}`)})
	assert.ErrorIs(t, err, herald.ErrInvalid)
	assert.ErrorContains(t, err, "missing properties 'items', 'channel'")
	require.NoError(t, uow.Commit(ctx))
	stats, err := store.Stats(ctx)
	require.NoError(t, err)
	assert.Zero(t, stats.Events, "nothing was attached to the transaction")
}

// Stamp encodes itself as a string of its own.
type Stamp struct{ at int }

// MarshalJSON writes s as a string.
func (s Stamp) MarshalJSON() ([]byte, error) { return json.Marshal(fmt.Sprintf("t%d", s.at)) }

// Level encodes itself as text.
type Level int

// MarshalText writes l as text.
func (l Level) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("level-%d", l)), nil }

func TestSchemaOfTypesThatEncodeThemselves(t *testing.T) {
	type audited struct {
		ID    uuid.UUID   `json:"id"`
		Count json.Number `json:"count"`
		At    time.Time   `json:"at"`
		Stamp Stamp       `json:"stamp"`
		Level Level       `json:"level"`
		Ptr   *Level      `json:"ptr,omitempty"`
	}
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	level := Level(2)
	sample := audited{ID: uuid.New(), Count: "12", At: time.Now(), Stamp: Stamp{at: 1}, Level: 3, Ptr: &level}
	d, err := herald.Define[audited](r, "audit", "entry", "written", herald.WithSample(sample))
	require.NoError(t, err)
	assert.NoError(t, d.ValidateSample(), "%s", d.Schema())
	err = d.ValidateJSON([]byte(`{"id":"not a uuid","at":"yesterday","stamp":{},"level":1}`))
	assert.ErrorContains(t, err, "/id: 'not a uuid' is not valid uuid")
	assert.ErrorContains(t, err, "/at: 'yesterday' is not valid date-time")
	assert.ErrorContains(t, err, "/level: got number, want string")
	assert.NotContains(t, err.Error(), "/stamp", "a json.Marshaler may write anything")
}

func TestDerivedSchemaAcceptsNullWhereGoWritesIt(t *testing.T) {
	type inner struct {
		Tags []string `json:"tags"`
	}
	type Embedded struct {
		Extra map[string]int `json:"extra"`
	}
	type outer struct {
		Embedded
		Items  []OrderItem `json:"items"`
		Inner  *inner      `json:"inner"`
		Inners []inner     `json:"inners,omitempty"`
		Named  OrderItem   `json:"named"`
		Raw    []byte      `json:"raw"`
	}
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	d, err := herald.Define[outer](r, "c", "a", "e", herald.WithSample(outer{Inners: []inner{{}}, Named: OrderItem{SKU: "a", Quantity: 1}}))
	require.NoError(t, err)
	assert.NoError(t, d.ValidateSample(), "the zero value as Go writes it passes: %s", d.Schema())
	assert.ErrorContains(t, d.ValidateJSON([]byte(`{"extra":null,"items":null,"inner":null,"named":null,"raw":null}`)),
		"/named: got null, want object")
	err = d.ValidateJSON([]byte(`{"extra":null,"items":null,"inner":null,"inners":null,"named":{"sku":"a","quantity":1},"raw":null}`))
	assert.ErrorContains(t, err, "/inners: got null, want array", "omitempty leaves nil out, so null is not Go's")
	assert.EqualError(t, d.ValidateJSON([]byte(`{"extra":null,"items":"many","inner":null,"named":{"sku":"a","quantity":1},"raw":null}`)),
		"herald: event c.a.e: data: /items: got string, want array or null: invalid input")
	assert.EqualError(t, d.ValidateJSON([]byte(`{"extra":null,"items":[{"sku":"a","quantity":0}],"inner":null,"named":{"sku":"a","quantity":1},"raw":null}`)),
		"herald: event c.a.e: data: /items/0/quantity: must be >= 1: invalid input")
}
