// Package httpapi is an HTTP API over a [herald.Publisher]: send events,
// query and follow the log, and see the registry, the bus's
// subscriptions, the durable consumers and their dead letters. A
// [Handler] is an http.Handler the application mounts on its own mux,
// under a prefix with http.StripPrefix:
//
//	api, err := httpapi.New(publisher, httpapi.WithAuthenticator(auth), httpapi.WithBus(bus))
//	mux.Handle("/api/", http.StripPrefix("/api", api))
//
// # Routes
//
//	POST   /events                                    one event or an array of them (atomic); 201 with what was stored
//	GET    /events                                    a page of the log: top, cursor, name, correlationId, label, timestampMin, timestampMax, order
//	GET    /events/stats                              {"events":N,"head":P,"counts":{"ctx.agg.name":n}}
//	GET    /events/log                                NDJSON of the events after=P, name filters, follow=true to go on live
//	GET    /definitions                               the registry's definitions, with schemas where they exist
//	GET    /subscriptions                             the bus's subscriptions ([WithBus]), and the service subscriptions under "webhooks" ([WithWebhooks])
//	POST   /subscriptions                             subscribe a service to events, delivered as signed webhooks ([WithWebhooks])
//	GET    /subscriptions/{id}                        a service subscription and how its deliveries go
//	PATCH  /subscriptions/{id}                        {"paused":true|false}: pause or resume it
//	DELETE /subscriptions/{id}                        remove it with its dead letters
//	POST   /subscriptions/{id}/secret                 rotate its secret, the old one signing too for a day
//	GET    /subscriptions/{id}/dead-letters           the events it gave up on, with the receiver's last status
//	POST   /subscriptions/{id}/dead-letters/{event}/replay  deliver one again
//	DELETE /subscriptions/{id}/dead-letters/{event}   discard one
//	GET    /consumers                                 the consumers of [WithConsumers] and the push server's
//	GET    /consumers/{name}/dead-letters             a consumer's dead letters
//	POST   /consumers/{name}/dead-letters/{id}/replay the consumer handles the event again
//	DELETE /consumers/{name}/dead-letters/{id}        the dead letter is discarded
//	GET    /streams/{id}                              the push server's streams ([WithPush])
//	GET    /openapi.json                              the OpenAPI 3.1 document of all of these ([OpenAPI])
//
// Events are answered in wolkenkit's envelope, the JSON of [herald.Event].
// GET /events answers {"results":[…],"page":{"size":n,"next":"…"}},
// newest first unless order=asc; pass next as cursor for the next page,
// with the same other parameters (a cursor of another query is refused).
// A page holds only the events the caller may see, so it may hold fewer
// than top, even none, and still have a next cursor: go on while next is
// not empty. name takes patterns ("communication.message.*") and label
// takes key:value, both repeatable; timestampMin and timestampMax are RFC
// 3339 and inclusive. An unknown parameter is refused, not ignored.
//
// GET /events/log writes one envelope a line (application/x-ndjson), in
// position order, and ends at the head of the log; with follow=true it
// looks for new events every [WithPollInterval] and flushes each line
// until the client goes away.
//
// # Who may do what
//
// The authenticator ([WithAuthenticator], push's kind) reads the request,
// typically its "Authorization: Bearer <token>" header, and tells the user
// and their roles; an error from it is answered 401 everywhere. Anyone
// may read the log, and sees each event only when its authorization
// allows them ([herald.Authorization.Allows], as push decides); the
// reader role ([WithReaderRole], "event-reader") sees every event and may
// read the stats, subscriptions, consumers and dead letters; the
// operator role ([WithOperatorRole], "event-operator") may do that too,
// manage the service subscriptions of [WithWebhooks],
// and replay and discard dead letters; the sender role
// ([WithSenderRole], "event-sender") may POST /events. A request that
// needs a role is answered 401 when it comes from no one (no user and no
// roles), 403 otherwise. Definitions and the OpenAPI document are open.
//
// # Sending events
//
// The body is one event or an array of them, each in either shape:
//
//   - wolkenkit's envelope, as GET /events answers it. The position a
//     sent event carries is dropped: the store assigns positions, so an
//     exported log can be sent back as it is. A revision set asks for
//     that revision (409 on a conflict); an id set makes sending it again
//     harmless.
//   - ADSP's {namespace, name, timestamp, correlationId, context, payload}:
//     namespace is the context's name; name the event's; payload the data;
//     timestamp (RFC 3339, or Unix milliseconds) the timestamp; context,
//     a flat object, becomes labels (strings as they are, numbers and
//     booleans as their JSON text). ADSP has no aggregate: the event's is
//     named [ADSPAggregate] with the id [ADSPAggregateID] of the namespace,
//     unless an "aggregate" {name, id} member names one; an "id" member
//     sets the event's id. A correlationId that is not a uuid becomes the
//     version 5 uuid [CorrelationID] of it, the string itself kept in the
//     label [ADSPCorrelationLabel]; GET /events maps its correlationId
//     parameter the same way.
//
// The data is published as json.RawMessage, which the publisher checks
// against the event's definition. The caller's user is the user of every
// event without a user member ("user": null is anonymous), and so, by
// default, its owner. An unknown
// member is refused.
//
// # Errors
//
// Every failure is an application/problem+json document (RFC 9457) with
// type, title, status and detail, and "field" (a parameter or dotted
// envelope field) and "pointer" (a JSON Pointer into the body) where they
// apply; "errors" lists every fault when there are several. Malformed
// JSON and malformed events are 400, events the publisher refuses (an
// undefined event on a strict registry, data against its schema) 422, a
// bad parameter or cursor 400, a body over [WithMaxBody] 413. Nothing of
// a refused body is stored.
package httpapi
