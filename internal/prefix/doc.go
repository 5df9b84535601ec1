// Package prefix builds the module's errors so that each reads
// "pkg: what was done: detail: wrapped error", with one package prefix
// even when it wraps the error of another package of the module.
package prefix
