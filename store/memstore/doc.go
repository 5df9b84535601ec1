// Package memstore is an in-memory herald.Store, for tests, examples and
// applications that do not need their events to outlive the process.
//
// A Store keeps the global log as compact records indexed by position, in
// chunks that are never moved once allocated, an index of positions per
// aggregate, an index of event ids, the count of events per full event
// name, the newest snapshot of each aggregate, and the checkpoints of
// durable consumers. A record holds no pointers: the aggregate, the names,
// the user, the authorization, the labels and the time zone are indexes
// into tables, and the data sits beside it, so the garbage collector
// scans none of the log but the data. The id index keeps the time-ordered
// ids that publishers make as ranges of positions whose ids increase, so
// that a new id costs a comparison with the newest instead of a hash table
// probe and no memory; other ids go to a map.
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
// The store keeps what an event refers to by reference: Data, Labels, User
// and Authorization are shared with the publisher and with every reader,
// and must not be changed after the event is published. A User or an
// Authorization equal to the one stored just before is kept once, so a
// reader may get an equal pointer instead of the one published. A
// timestamp is kept as its instant and its location, locations equal in
// name and in abbreviation and offset at that instant being kept once:
// read back, it has no monotonic clock reading, like one read from a file. Snapshots are
// copied in and out.
package memstore
