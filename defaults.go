package herald

import "time"

// Defaults and limits.
const (
	// The defaults of a RetryPolicy, for the fields left zero.
	DefaultRetryInitialInterval = 100 * time.Millisecond
	DefaultRetryMaxInterval     = 10 * time.Second
	DefaultRetryMaxAttempts     = 5

	// DefaultTop is the page size of a Query whose Top is 0; MaxTop is the
	// largest Top a Query may ask for.
	DefaultTop = 100
	MaxTop     = 10000
)
