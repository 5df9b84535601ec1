// Package jsoncheck tells whether encoding/json can encode a value,
// without encoding it when its type alone answers: a store that keeps
// data as Go values refuses what a store that encodes it would refuse.
package jsoncheck
