// Package pushsocketio serves the streams of a [push.Server] to
// socket.io v4 clients, after ADSP's push service, with
// github.com/zishang520/socket.io. A client connects to the namespace of
// its tenant and names the stream in the query:
//
//	const socket = io(`https://example.com/${tenantId}?stream=${streamId}`, {
//	  auth: { token: accessToken },
//	});
//	socket.on("communication.message:sent", (event, position) => { … });
//
// Each event the client may see comes under "context.aggregate:name", the
// socket.io form of ADSP's "namespace:name" where herald's context and
// aggregate make the namespace, with two arguments: the JSON of the
// event's envelope, or of the stream's map of it, and the event's position
// in the log.
//
// A tenant is a label the application sets on its events
// ([herald.ContextWithLabels] or the event's Metadata.Labels), "tenant"
// unless [WithTenantLabel] says otherwise: a client of namespace /acme
// gets only events labelled tenant=acme, whatever the stream and its
// criteria, so a client of one tenant never receives another tenant's
// events. The default namespace "/" serves no stream.
//
// The rest is push's, through [push.Server.ServeConn], on a request made
// from the socket.io handshake: its headers, its address, and its query
// less socket.io's own parameters, at the path of the stream, with the
// auth token, when there is one and no Authorization header, as
// "Authorization: Bearer <token>". So the stream's authentication,
// authorization per event, criteria (the criteria query parameter), map,
// resume (the lastEventId query parameter) and the cut-off of a slow
// client are the same as over server-sent events. A client push refuses
// gets connect_error with push's message and {"status": <HTTP status>}
// as data. When the client disconnects its stream ends; when the stream
// ends first (the server closes, or the client was cut off for being
// slow) the connection is closed, and the client's reconnection resumes
// from the lastEventId it then sets in its query.
package pushsocketio
