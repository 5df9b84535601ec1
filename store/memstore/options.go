package memstore

// Option configures a Store built by New.
type Option func(*options)

type options struct {
	capacity int
}

// WithCapacity makes room for n events up front in the log's list of
// chunks. The log and the id index grow in chunks and never copy what they
// hold, so this only saves the list's own growth.
// A negative n is taken as 0.
func WithCapacity(n int) Option {
	return func(o *options) { o.capacity = max(n, 0) }
}
