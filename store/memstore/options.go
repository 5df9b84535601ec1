package memstore

// Option configures a Store built by New.
type Option func(*options)

type options struct {
	capacity int
}

// WithCapacity makes room for n events up front in the log's lists of
// chunks. The log grows in chunks and never copies what it holds, so this
// only saves the lists' own growth.
// A negative n is taken as 0.
func WithCapacity(n int) Option {
	return func(o *options) { o.capacity = max(n, 0) }
}
