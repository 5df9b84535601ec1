// Command chat is wolkenkit's chat in Go: a message aggregate in the
// communication context that can be sent and liked, a read model of the
// messages fed by a subscription, and every event printed as it happens.
//
// The events are kept in a bbolt file, chat.db, in a temporary directory
// removed at exit, or in the directory -dir names, where they accumulate
// from one run to the next; -memory keeps them in memory instead. At
// start the chat delivers what a previous run stored but did not deliver.
//
// Run it with:
//
//	go run ./examples/chat
//	go run ./examples/chat -dir .
package main
