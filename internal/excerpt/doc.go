// Package excerpt quotes values for error messages: at most a short
// prefix of a value, so that a message never repeats a long or hostile
// input back whole.
package excerpt
