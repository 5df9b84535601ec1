// Package herald publishes, stores and delivers in-process domain events in
// the style of wolkenkit.
//
// An Event is wolkenkit's envelope: the context and aggregate that published
// it, its name, id and type, its data, the user, and metadata with the
// timestamp, the global position, the aggregate's revision, causation and
// correlation ids, labels and the isAuthorized block (Authorization).
//
// A Publisher stamps events, checks them against a Registry of definitions,
// appends them to a Store and hands the stored events to a Bus. Aggregates
// embed AggregateBase and are loaded and saved by a Repository.
package herald
