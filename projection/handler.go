package projection

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/herald-go/herald"
)

// Handler applies one event, named by its full name, to a read model
// written through X. Make one with On.
type Handler[X any] struct {
	event eventName
	typ   reflect.Type
	fn    func(ctx context.Context, x X, e *herald.Event) error
}

// On returns the handler of the event with the full name event (such as
// "communication.message.sent"): fn gets the model's handle x (the
// *bbolt.Tx of a Bolt model, the value of a Memory or External model), the
// event and its data as a T ([herald.DataAs]: a T as published, or JSON
// read back from a store decoded into a T). The name is checked when the
// projection is made ([New]).
func On[X, T any](event string, fn func(ctx context.Context, x X, e herald.Event, data T) error) Handler[X] {
	h := Handler[X]{event: parseName(event), typ: reflect.TypeFor[T]()}
	if fn != nil {
		h.fn = func(ctx context.Context, x X, e *herald.Event) error {
			data, err := herald.DataAs[T](e)
			if err != nil {
				return err
			}
			return fn(ctx, x, *e, data)
		}
	}
	return h
}

// Reaction is a flow's handler of one event, named by its full name. Make
// one with When.
type Reaction struct {
	event eventName
	typ   reflect.Type
	fn    func(ctx context.Context, e *herald.Event) error
}

// When returns the reaction of a flow to the event with the full name
// event: fn gets a context that carries the event as the cause
// ([herald.ContextWithCause]), the event and its data as a T. Commands run
// with that context, such as [herald.Repository.Use], publish events caused
// by it and correlated with it. The name is checked when the flow is made
// ([NewFlow]).
func When[T any](event string, fn func(ctx context.Context, e herald.Event, data T) error) Reaction {
	r := Reaction{event: parseName(event), typ: reflect.TypeFor[T]()}
	if fn != nil {
		r.fn = func(ctx context.Context, e *herald.Event) error {
			data, err := herald.DataAs[T](e)
			if err != nil {
				return err
			}
			return fn(ctx, *e, data)
		}
	}
	return r
}

// eventName is a full event name in its parts, the key handlers are
// found by.
type eventName struct{ context, aggregate, name string }

func parseName(s string) eventName {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return eventName{name: s}
	}
	return eventName{parts[0], parts[1], parts[2]}
}

func nameOf(e *herald.Event) eventName {
	return eventName{e.Aggregate.Context, e.Aggregate.Name, e.Name}
}

func (n eventName) String() string {
	if n.context == "" && n.aggregate == "" {
		return n.name
	}
	return n.context + "." + n.aggregate + "." + n.name
}

// checkHandler reports what is wrong with a handler of event whose data is
// typ: a malformed name, an event a strict registry does not define, or a
// data type other than the one the registry defines for it.
func checkHandler(reg *herald.Registry, event eventName, typ reflect.Type, missing bool) error {
	if missing {
		return fmt.Errorf("the handler of %q is nil", event)
	}
	for _, part := range [...]string{event.context, event.aggregate, event.name} {
		if part == "" || strings.Contains(part, "*") {
			return fmt.Errorf("event name %q: want context.aggregate.name without wildcards", event)
		}
	}
	if reg == nil {
		return nil
	}
	def, ok := reg.Lookup(event.context, event.aggregate, event.name)
	if !ok {
		probe := herald.Event{Aggregate: herald.AggregateRef{Context: event.context, Name: event.aggregate}, Name: event.name}
		if reg.Check(&probe) != nil { // only a strict registry refuses undefined events
			return fmt.Errorf("event %q is not defined in the strict registry", event)
		}
		return nil
	}
	if typ.Kind() != reflect.Interface && typ != def.Type && typ != reflect.PointerTo(def.Type) {
		return fmt.Errorf("the handler of %q takes %v, the registry defines %v", event, typ, def.Type)
	}
	return nil
}
