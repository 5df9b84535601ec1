package registry

import (
	"sync/atomic"

	"github.com/herald-go/herald"
)

// Holder holds a store's registry; embedded in a store, it makes the store
// a driver.RegistryStore. Its zero value holds none; it is safe for
// concurrent use.
type Holder struct {
	r atomic.Pointer[herald.Registry]
}

// Registry returns the store's registry: the one it was made with, or the
// one a publisher gave it; nil when it has none.
func (h *Holder) Registry() *herald.Registry { return h.r.Load() }

// UseRegistry gives the store r when it has none yet, and reports whether
// it took it: a herald.Publisher made with a registry calls it. A nil r is
// not taken.
func (h *Holder) UseRegistry(r *herald.Registry) bool {
	return r != nil && h.r.CompareAndSwap(nil, r)
}
