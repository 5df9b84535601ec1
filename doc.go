// Package herald publishes, stores and delivers in-process domain events in
// the style of wolkenkit.
//
// # The envelope
//
// An Event is wolkenkit's envelope: the context and aggregate that published
// it (AggregateRef), its name, id and type, its data, the User, and Metadata
// with the timestamp, the global position, the aggregate's revision,
// causation and correlation ids, labels and the isAuthorized block
// (Authorization). Its JSON is wolkenkit's shape, field for field. In
// process, Data holds the Go value the publisher gave; events read back
// from a store that encodes them hold json.RawMessage until decoded
// (Registry.Decode, DataAs, On).
//
// # Publishing
//
// A Publisher stamps events (id, type, timestamp, user, causation,
// correlation, authorization), checks them against its Registry of event
// definitions (Define), appends them to a Store and hands the stored events
// to a Bus. Publish and PublishBatch publish at once; PublishAfterCommit and
// PublishBatchAfterCommit attach to the transaction in the context (Tx,
// ContextWithTx; UnitOfWork is the in-memory one) and publish when it
// commits.
//
// Causation and correlation flow through context.Context: a bus hands each
// handler a context made by ContextWithCause, so an event published while
// handling event E gets E's id as its causation id and E's correlation id
// as its own. Outside a handler both default to the event's own id;
// ContextWithCausationID and ContextWithCorrelationID set them for a
// command. ContextWithUser sets the publishing user, who becomes the owner
// in the event's authorization, and ContextWithLabels adds labels to every
// event published with the context.
//
// # Aggregates
//
// An aggregate type embeds AggregateBase, registers with Apply how each of
// its events changes its state, and publishes events from its commands. A
// Repository loads aggregates (newest snapshot, then the events after it),
// saves their new events with the revision they expect, and retries a
// command on a fresh load when another writer was first (Use).
//
// # Delivery
//
// A Bus (bus/membus) delivers to named subscriptions, each with a filter of
// event names and, optionally, an EventBridge-style pattern over the
// envelope's JSON ([github.com/herald-go/herald/match]). Handlers that fail
// are retried (RetryPolicy) and then handed to a dead-letter function
// (DeadLetter). Consumers of the log — durable subscriptions, projections
// and flows — run on one engine ([github.com/herald-go/herald/engine]):
// each reads the log from its checkpoint
// ([github.com/herald-go/herald/driver.CheckpointStore]), catches up, then
// follows the bus live without a gap or a duplicate, and keeps its dead
// letters ([github.com/herald-go/herald/driver.DeadLetterStore]).
//
// # Bad input
//
// No call panics on nil or zero arguments. Input a call cannot use is an
// error matching ErrInvalid that names what was wrong: an empty name, a
// zero AggregateRef, a nil event, handler, hook or command, a nil
// aggregate or a nil pointer to one. A nil context.Context is such input
// for every call that takes one: the call does nothing and returns an
// error matching ErrInvalid (an iterator yields it). The helpers that
// derive a context (ContextWithUser, ContextWithCause, ContextWithTx, …)
// return nil for a nil parent, so the mistake shows as that error at the
// next call, and those that read one find nothing in a nil one. A nil
// option is no option. Calls without an error to return answer nil input
// with their zero: a nil *Event matches no filter, a nil *Registry
// defines nothing. The stores, the bus, projections and push of this
// module promise the same.
//
// # Errors
//
// Every error of the module reads "pkg: what was done: detail: wrapped",
// such as "membus: subscribe "audit": the handler is nil: invalid input":
// the package's prefix once, the wrapped error last. Sentinels and detail
// types (ErrInvalid, *ConflictError, …) carry no prefix, since the module
// always returns them wrapped by one; errors.Is and errors.As find them.
// An error that wraps one of another package of the module keeps only the
// outer prefix, and a store's error reaches the caller of a Publisher or
// Repository as the store wrote it. The driver package's errors, meant to
// be wrapped by a store, carry no prefix either.
//
// # Choices
//
// Where wolkenkit and the event services herald follows leave room, herald
// chose this:
//
//   - Publish takes and returns one event; PublishBatch takes a slice and
//     returns the stored copies, leaving the caller's slice as it was.
//   - Event ids are time-ordered (version 7) uuids, which keep the stores'
//     id indexes cheap. A publisher takes the first id of each millisecond
//     from the uuid package and counts the others of that millisecond up
//     from it by random steps (RFC 9562's monotonic random method), so the
//     ids one publisher makes increase, and an id costs one clock reading.
//     Ids are unique in a store: appending events whose ids are all stored
//     already is acknowledged and stores nothing, which makes a retried
//     publish idempotent.
//   - Every stored event carries an Authorization: its own, else its
//     definition's default (WithDefaultAuthorization), else one that lets
//     its owner alone receive it (wolkenkit's default). The owner of an aggregate's
//     events is the aggregate's (AggregateBase.Owner): the user whose
//     command published its first event, until TransferOwnership hands it
//     on. An event read from outside without a block is no one's but its
//     owner's (Authorization.Allows).
//   - An event published while handling another carries the user of the
//     one handled, unless the handler's code sets one with ContextWithUser.
//   - A Repository derives its events' ids from the command that saves
//     them (see ContextWithCommandID), so a command run again stores
//     nothing new, while other commands with the same cause store theirs.
//   - Each PublishAfterCommit call on a UnitOfWork is stored atomically by
//     its own commit hook; the hooks run in order and report every failure.
//   - A handler context keeps the cause's ids by value, so a handler may
//     keep it and publish later; the event it carries as the cause is
//     valid while the handler runs.
package herald
