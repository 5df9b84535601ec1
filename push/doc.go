// Package push sends a log's events to browsers and other clients as
// server-sent events, after ADSP's push service, with wolkenkit's
// isAuthorized deciding which client may see which event.
//
// A [Stream] is defined in code: an id, who may open it, and the events it
// carries ([StreamEvent]: a name with "*" segments, optional [Criteria] and
// an optional Map that sends chosen fields instead of the envelope).
// [Server.Register] refuses a stream that is malformed or that no one could
// open; [Tail] makes a stream of every event for an operator's role.
//
// An [Authenticator] says who sent a request (the default, [Anonymous],
// treats everyone as anonymous). A client may open a public stream or one
// of whose roles it holds, else it is answered 401 when not signed in and
// 403 when signed in. Every event, live, replayed or resumed, whatever the
// Map and the criteria, is sent only to a client whose user its
// authorization allows ([herald.Authorization.Allows]). What a client sends
// (criteria, Last-Event-ID) only narrows what it gets.
//
// A [Server] is an http.Handler serving GET /streams/{id} as
// text/event-stream, one message per event:
//
//	id: 42
//	event: communication.message.sent
//	data: {"context":{"name":"communication"},…}
//
// The id is the event's position in the log, the event field its full name
// (an EventSource listens with addEventListener, not onmessage), the data
// the envelope's JSON or the mapped object, of the current version of the
// event's definition: with a registry ([WithRegistry], else the store's),
// an event stored at an older version is sent upcast ([herald.WithUpcast]),
// and one whose upcaster fails is logged and not sent. A quiet stream gets a
// ": heartbeat" comment every heartbeat interval. A request without
// Last-Event-ID gets the events that come after it connected; one with
// Last-Event-ID (the header, else [ParamLastEventID]) resumes after that
// position, from the store then live, with no gap and none twice; 0 replays
// the whole log, and a position past the head resumes at the head.
// [ParamCriteria] narrows a stream with criteria in JSON.
//
// Publishers are never held up by the server or any client. A client that
// falls more events of the log behind than [WithBufferSize] allows, or
// whose write takes longer than [WithWriteTimeout], is cut off; an
// EventSource then reconnects and resumes from the store. [Server.Close]
// ends every stream; register it with http.Server.RegisterOnShutdown, as
// Shutdown would otherwise wait for streams that never end.
//
// Other transports serve the same streams through [Server.ServeConn], in
// modules of their own: push/pushws over WebSocket, push/pushsocketio to
// socket.io clients, with a namespace per tenant.
package push
