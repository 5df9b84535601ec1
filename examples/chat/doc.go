// Command chat is wolkenkit's chat in Go: a message aggregate in the
// communication context that can be sent and liked, a read model of the
// messages fed by a subscription, and every event printed as it happens.
//
// Run it with:
//
//	go run ./examples/chat
package main
