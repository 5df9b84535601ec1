package driver

import "github.com/herald-go/herald"

// RegistryStore is the optional capability of a [herald.Store] to know the
// [herald.Registry] of the events it keeps, so that an application gives
// its registry once: a [herald.Publisher] made with a registry hands it to
// its store when the store has none, a Publisher made without one uses the
// store's, and projections, flows and push servers over the store use the
// store's unless they are given one. Implementations are safe for
// concurrent use.
type RegistryStore interface {
	// Registry returns the store's registry, nil when it has none.
	Registry() *herald.Registry
	// UseRegistry gives the store r when it has none yet, and reports
	// whether it took it. A nil r is not taken.
	UseRegistry(r *herald.Registry) bool
}

// RegistryOf returns the registry of s when s is a [RegistryStore], nil
// otherwise.
func RegistryOf(s herald.Store) *herald.Registry {
	if rs, ok := s.(RegistryStore); ok {
		return rs.Registry()
	}
	return nil
}
