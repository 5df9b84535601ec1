//go:build !linux

package boltstore

// readAhead does nothing where the page cache cannot be asked about.
func (s *Store) readAhead(done <-chan struct{}) {}
