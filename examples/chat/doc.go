// Command chat is wolkenkit's chat in Go: a message aggregate in the
// communication context that can be sent, liked and starred, a read model
// of the messages, a flow that features a message liked three times
// (communication.message.featured, caused by the third like), every event
// printed as it happens, and a web page where the events arrive live
// through the push package.
//
// The events are kept in a bbolt file, chat.db, in a temporary directory
// removed at exit, or in the directory -dir names, where they accumulate
// from one run to the next; at start the chat delivers what a previous run
// stored but did not deliver. The read model is then a projection kept in
// the same file (bucket messages) with its checkpoint, so a second run with
// one -dir prints it at once, resumed rather than rebuilt. -memory keeps
// the events in memory and the read model in a map fed by a subscription.
//
// Without -addr the chat runs a scripted conversation between jane and
// john, prints what happened and exits. With -addr it serves its page on
// that address until interrupted:
//
//	GET  /                      the page (page/index.html, embedded)
//	POST /messages              send {"text": "…"}
//	POST /messages/{id}/like    like a message
//	POST /messages/{id}/star    star a message
//	GET  /push/streams/chat     the events, as server-sent events
//	GET  /push/ws/chat          the same events over WebSocket (pushws)
//
// The page follows the stream as server-sent events, or over WebSocket
// with /?transport=websocket, where each message is an event's envelope
// and the page reconnects with lastEventId set to the last position it
// got. The example's sign-in is the user query parameter: /?user=jane is
// jane, and the page passes it on to the commands and to its stream. The
// commands refuse anonymous requests; the stream is open to everyone. Sent
// and liked are defined with a default authorization for everyone, while
// starred has none, so it is private to the message's owner, the user who
// sent the message, as every event of a message is owned by its sender:
// open the page as jane and as john, star a message jane sent, and only
// jane's page shows the star.
//
// Run it with go run ./examples/chat [-dir .] [-addr 127.0.0.1:8080], and
// open http://127.0.0.1:8080/?user=jane and
// http://127.0.0.1:8080/?user=john. The test TestChatInBrowser drives the
// page in headless Chromium; without Chromium (apt-get install chromium)
// it is skipped, unless HERALD_BROWSER_TEST=1.
package main
