// Package registry holds a store's registry, as the stores offer it
// through driver.RegistryStore.
package registry
