// Package push sends a log's events to browsers and other clients as
// server-sent events, after ADSP's push service, with wolkenkit's
// isAuthorized deciding which client may see which event.
//
// # Streams
//
// A Stream is defined in code: an id, a name and description, who may
// open it (PublicSubscribe, SubscriberRoles), and the events it carries
// (StreamEvent: a name with "*" for whole segments, optional Criteria on
// the correlation id and labels, and an optional Map that sends an object
// of chosen fields instead of the whole envelope). Server.Register checks
// each stream and refuses, with an error matching herald.ErrInvalid, an
// empty or taken id, a stream without events or one no one could open, a
// malformed name, a name a strict registry does not define, and a Map path
// that cannot exist. Tail makes a stream of every event for an operator's
// role, such as StreamListener.
//
// The paths a Map reads are those of match.ParsePath: the
// envelope as herald.Event's MarshalJSON writes it, one label, and
// "data.<field>…" below the payload, where a Map takes object keys and
// decimal indexes into lists. With a registry (see WithRegistry), a data
// path must exist in the Go type of one of the defined events the name
// matches, by its JSON field names.
//
// # Who sees what
//
// The application says who sent a request with an Authenticator (the
// default, Anonymous, treats everyone as anonymous). A client may open a
// public stream, or one of whose roles it holds; else the answer is 401
// Unauthorized when it is not signed in and 403 Forbidden when it is. Then
// every event, whether live, replayed or resumed, and whatever the Map and
// the criteria, is sent only if its authorization allows the client's
// user (herald.Authorization.Allows): its owner, any signed-in user when
// forAuthenticated, anyone when forPublic or when it has none. What a
// client sends (criteria, Last-Event-ID) only narrows what it gets.
//
// # Server-sent events
//
// A Server is an http.Handler that serves GET /streams/{id} as
// text/event-stream. Each event is one message:
//
//	id: 42
//	event: communication.message.sent
//	data: {"context":{"name":"communication"},…}
//
// where the id is the event's position in the log, the event field its
// full name (so an EventSource listens with addEventListener, not
// onmessage), and the data the envelope's JSON or the mapped object. A
// stream that has been quiet for the heartbeat interval gets a comment
// line, ": heartbeat". A request that carries Last-Event-ID (the header,
// or the lastEventId query parameter; the header wins, as an EventSource
// reconnects with its original URL) resumes after that position: the
// events the stream would have sent after it, read from the store, then
// the live ones, with no gap and none twice; 0 replays the whole log. A
// client may narrow a stream with criteria of its own, in the criteria
// query parameter as JSON ({"correlationId":"…","labels":{"room":"a"}}).
//
// The answers: 404 for an unknown stream, 401 or 403 as above, 400 for a
// malformed criteria or Last-Event-ID, 405 for a method other than GET or
// HEAD, 503 once the server is closed.
//
// # Live events and slow clients
//
// The server follows the log with one consumer of the engine (package
// engine) on its bus, from the head of the log at New:
// the bus side only buffers what comes, so publishers are never held up by
// the server or by any client, and the subscription's goroutine puts the
// events in position order, reading from the store whatever the bus
// brought out of order or not at all. It keeps the newest events (the
// buffer size, WithBufferSize) in a ring that every client reads at its own
// pace, so an event costs the publisher the same whatever the number of
// clients, and its envelope is encoded once for all of them. A client that
// falls more events of the log behind than the buffer holds is cut off,
// and so is one whose write does not finish within the write timeout
// (WithWriteTimeout); an EventSource then reconnects with Last-Event-ID
// and resumes from the store. A client that resumes from before the ring's
// oldest event reads the store until it reaches the ring.
//
// # Goroutines and closing
//
// New starts two goroutines: the durable subscription's, and a notifier
// that wakes waiting clients and cuts off those that fell behind. Each
// stream runs on its request's goroutine, which net/http owns. Close
// refuses new requests, tells every stream to end (each ends its response
// cleanly after the write under way) and waits for them, then stops both
// goroutines; if its context ends first it cuts the remaining streams off.
// Register Close with http.Server.RegisterOnShutdown, or call it before
// Shutdown, which would otherwise wait for streams that never end.
//
// # Choices
//
//   - A stream needs at least one event ("*.*.*" for all), and a stream
//     that is neither public nor has a role is refused: no one could open
//     it.
//   - Roles decide alone: a client holding a role of the stream may open
//     it even without a user, and then sees only public events.
//   - A client without Last-Event-ID starts with the events that come
//     after it connected. A Last-Event-ID past the head of the log (a log
//     that was replaced) resumes at the head.
//   - The first of a stream's events that selects an event decides its
//     Map. A Map value missing in an event is null.
//   - The buffer is counted in events of the whole log, not only those the
//     client would be sent: it measures how far behind the client is.
//   - An event whose data cannot be encoded is logged and skipped.
//   - An Authenticator's error is 401 even on a public stream: credentials
//     that do not hold are refused, not ignored. Its text is logged, not
//     sent.
package push
