// Package nilargs runs the tests that call a package's exported functions
// and methods with nil and zero arguments: each call must not panic, and
// must return the error, or the result, its documentation promises.
package nilargs
