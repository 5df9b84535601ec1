package memstore

// Option configures a Store built by New.
type Option func(*options)

type options struct {
	capacity int
}

// WithCapacity makes room for n events up front, so a store that is known
// to grow to about n events does not grow its log and id index on the way.
// A negative n is taken as 0.
func WithCapacity(n int) Option {
	return func(o *options) { o.capacity = max(n, 0) }
}
