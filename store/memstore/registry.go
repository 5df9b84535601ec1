package memstore

import "github.com/herald-go/herald/driver"

// A Store keeps the registry a publisher gave it (Registry, UseRegistry).
var _ driver.RegistryStore = (*Store)(nil)
