//go:build race

package main_test

// The command is built with the race detector when the tests run with it.
func init() { buildFlags = append(buildFlags, "-race") }
