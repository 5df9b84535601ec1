// Package pushws serves the streams of a [push.Server] over WebSocket,
// with github.com/coder/websocket. Each event the client may see is one
// text message: the JSON of the event's envelope, or of the stream's map
// of it. The stream, its authentication, authorization per event,
// criteria (query parameters), map, resume (the lastEventId query
// parameter) and the cut-off of a slow client are push's, through
// [push.Server.ServeConn]: a client that does not read within the write
// timeout is closed, the publisher never waits for it. The server reads
// nothing from the client but its close frame.
package pushws
