// Package boltstore is a [herald.Store] in a single bbolt file: the durable
// log an application opens once and that survives crashes.
//
// [Open] opens (or creates) a file that holds nothing but the store; [New]
// puts the store in a *bbolt.DB the application opened, beside its own
// buckets, so that its state and its events can commit in one transaction
// ([Store.AppendTx], or PublishAfterCommit with [ContextWithTx]). A [Store]
// implements every capability of [github.com/herald-go/herald/driver]
// (snapshots, checkpoints, dead letters, the outbox, appends in the
// caller's transaction) and passes
// [github.com/herald-go/herald/store/storetest].
//
// The store promises:
//
//   - Durability: [Store.Append] returns once its events are committed and
//     synced to the disk (unless [WithNoSync]). After a crash of the process
//     or the machine every append that returned nil is in the file, whole;
//     one under way is there whole or not at all. Concurrent appends are
//     committed together, a lone one at once.
//   - Order: positions start at 1 and follow each other without a gap in
//     commit order; an append that fails takes none. Revisions count each
//     aggregate's events from 1.
//   - Atomic appends and unique ids, as [herald.Store] describes: a batch is
//     checked whole before anything of it is written.
//   - Exact envelopes: every field round trips, the timestamp to the
//     nanosecond (in UTC). Data is kept as the JSON the publisher's value
//     encodes to and read back as a json.RawMessage, or as its Go type
//     with [WithRegistry]. The version of the data (Metadata.Version) is
//     kept in the envelope (format 3); with a registry, an event stored at
//     an older version of its definition is read upcast to the current
//     one ([herald.WithUpcast]), the bytes in the file left as they are. Files
//     written before keep their envelopes of formats 1 and 2, whose events
//     read as version 1.
//   - Outbox: events appended through a Publisher with a bus are recorded
//     as undelivered in the same transaction and marked delivered once the
//     bus has them; Publisher.Redeliver delivers, at least once, what a crash
//     left undelivered.
//   - Bad bytes never panic: Open checks the file before bbolt maps it, and
//     refuses one that is not a store ([ErrNotStore]), of a newer format
//     ([ErrNewerFormat]) or damaged ([ErrCorrupt]); every event is stored
//     with a checksum that every read checks, so an event whose bytes
//     changed is a [*DecodeError] naming its position, never another event.
//   - Personal data ([driver.KeyStore]): the fields a registry's
//     definition tags `herald:"personal"` are written sealed (AES-GCM)
//     with a key of the event's user, which the file keeps in a bucket of
//     its own, never in an event; every read opens them. Once
//     [Store.DeleteUserKey] returns (Publisher.ForgetUser calls it), the
//     key is out of the store's data and every read gives the user's
//     personal fields as "" and the events as redacted; the events' bytes
//     and checksums are not touched. The key's bytes may still sit in a
//     page bbolt freed and has not written again yet: [Compact], on the
//     closed file, rewrites it without them, which makes the forgetting
//     final. The values themselves are never in the file in the clear
//     (dead letters keep them sealed as their events do), but in
//     snapshots, which hold the state as the aggregate encodes it: the
//     snapshots of the aggregates with the user's personal data go with
//     the key, and their bytes too after Compact.
//
// Names are at most [MaxNameLength] bytes and an encoded event at most
// [WithMaxEventSize]. Only one Store may use a file at a time ([ErrLocked]).
// [EncodeEvent] and [DecodeEvent] are the binary envelope the file keeps.
package boltstore
