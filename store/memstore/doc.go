// Package memstore is an in-memory herald.Store, for tests, examples and
// applications that do not need their events to outlive the process.
//
// A Store keeps the global log as events indexed by position, in chunks
// that are never moved once allocated, an index of positions per aggregate,
// an index of event ids, the count of events per full event name, the
// newest snapshot of each aggregate, and the checkpoints of durable
// consumers. The id index keeps the time-ordered ids that publishers make
// in a list sorted as they arrive, so that a new id costs a comparison with
// the newest instead of a hash table probe; other ids go to a map.
// Everything is lost when the process exits or the store is closed; use
// boltstore to keep events on disk.
//
// A Store is safe for concurrent use. Append validates the whole batch
// before it changes anything, so a failed batch leaves no trace, and it
// allocates nothing per event once the store's slices and maps have grown.
// Reads are iterators that do not hold the store's lock while they yield:
// a handler may append to or read from the store inside the loop. A read
// yields the events stored when its iteration began, checks its context at
// the start and then every 256 events, and stops with an error matching
// herald.ErrClosed once the store is closed.
//
// The store keeps events by value, as it got them: Data, Labels, User and
// Authorization are kept by reference, shared with the publisher and with
// every reader, and must not be changed after the event is published.
// Snapshots are copied in and out.
package memstore
