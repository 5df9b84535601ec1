// Package prefixtest checks that an error of the module reads
// "pkg: what was done: detail: wrapped error".
package prefixtest
