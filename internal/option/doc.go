// Package option applies the options of the module's constructors and
// holds the checks of option values that several packages make.
//
// Every option in the module has one shape: a named type per constructor
// whose underlying type is func(*config) error, config being the
// constructor's unexported settings. The constructor applies its options
// with [Apply] and returns the error it returns. An option that refuses
// its value returns an error that names it with the value, as the checks
// here do: `WithQueueSize(0): want 1 or more`.
package option
