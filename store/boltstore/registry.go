package boltstore

import "github.com/herald-go/herald/driver"

// A Store keeps the registry reads decode with: the one given with
// WithRegistry, or the one a publisher gave it (Registry, UseRegistry).
var _ driver.RegistryStore = (*Store)(nil)
