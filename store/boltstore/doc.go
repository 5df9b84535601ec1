// Package boltstore is a herald.Store in a single bbolt file: the durable
// log an application opens once and that survives crashes.
//
// Open opens (or creates) a file that holds nothing but the store; New
// puts the store in a *bbolt.DB the application opened, beside its own
// buckets, so that its state and its events can commit in one transaction
// (AppendTx, or PublishAfterCommit with ContextWithTx). A Store is also a
// driver.SnapshotStore, a driver.CheckpointStore, a driver.Outbox and a
// driver.TxStore, and passes store/storetest.
//
// # What the store guarantees
//
//   - Durability: Append returns once its events are committed and synced
//     to the disk (unless WithNoSync). After a crash of the process or the
//     machine, every append that returned nil is in the file, whole; an
//     append under way at the time is there whole or not at all.
//   - Order: positions start at 1 and follow each other without a gap in
//     commit order; an append that fails takes none. Revisions count each
//     aggregate's events from 1.
//   - Atomic appends: a batch is checked whole before anything of it is
//     written; it is stored entirely or not at all.
//   - Unique ids: an id is stored once in the whole store. A batch stored
//     before is acknowledged with the stored envelopes; one partly stored
//     fails with herald.ErrDuplicate.
//   - Exact envelopes: every field round trips, the timestamp to the
//     nanosecond (in UTC). Data is kept as the JSON the publisher's value
//     encodes to, and read back as a json.RawMessage, which
//     herald.Registry.Decode, herald.DataAs and herald.On turn into the Go
//     type; WithRegistry makes reads do it.
//   - Outbox: events appended through a Publisher with a bus are recorded
//     as undelivered in the same transaction and marked delivered once the
//     bus has them; Publisher.Redeliver delivers, at least once, what a
//     crash left undelivered.
//   - Bad bytes never panic: a file that is not a herald store, one of a
//     newer format or a damaged one is an error of Open; an event that does
//     not decode is an error of the read naming its position (a
//     *DecodeError matching ErrCorrupt). bbolt trusts the file it maps,
//     and some damage would crash the process, so Open checks the file
//     first, reading it, not mapping it: a file shorter than its pages, a
//     page out of place, of the wrong type or reached twice, elements
//     outside their page or keys out of order are an error matching
//     ErrCorrupt that names the damage. So is a position missing from the
//     log or a revision from a stream when read.
//   - Damage is found: every event is stored with a checksum that every
//     read checks, so an event whose bytes changed in the file is such an
//     error too, never another event.
//
// # Group commit
//
// Appends, snapshots and checkpoints are written by one goroutine, the
// committer, started by Open and New and ended by Close. Callers encode
// their events on their own goroutines and queue them; the committer
// takes everything queued at once, checks and writes it in one bbolt
// transaction and commits it with one fsync, then wakes the callers. While
// it commits, the next callers queue up, so the more callers wait, the
// more each commit carries. There is no timer (bbolt's DB.Batch waits up
// to 10 ms): a lone caller is committed at once. An append whose context
// ends while it waits in the queue is dropped and returns the context's
// error; once the committer took it, it is committed whatever the context
// does.
//
// # The file
//
// Everything is in one top-level bucket, "herald", whose meta bucket holds
// the format marker: a store file of a newer format is refused, not
// misread. Events are kept in the events bucket keyed by their position
// (big-endian), in a compact binary envelope: a version byte (2), the
// fixed fields (revision, ids, timestamp) at fixed offsets, the names and
// other strings with their lengths, the data's JSON bytes, decoded only
// when asked, and last a CRC-32C of all the bytes before it (see
// EncodeEvent and DecodeEvent). Envelopes of version 1, the same without
// the checksum, which files written before it hold, are read as they are;
// appends to such a file write version 2 and leave its format marker as
// it was. Indexes: event ids per append, positions per event name,
// positions per aggregate, counts per name, snapshots, checkpoints and the
// outbox, each in its own bucket. The append-only buckets are filled to
// 100% in every write transaction.
//
// # Choices where herald.Store is silent
//
//   - Event ids are kept unique with an index in memory, built from the
//     file on the first write after Open: time-ordered ids that arrive in
//     increasing order, as a publisher makes them, cost no memory (they are
//     kept as ranges of positions), other ids 22 to 43 bytes each. An
//     index in the file keyed by random ids would make every append write
//     pages all over it; the file keeps each append's ids in one value at
//     the end of a bucket instead.
//   - The stream index lags behind the log by up to 1,024 events, which
//     reads and writes find by reading those events' heads; it is brought
//     up to date in one go, so concurrent appends to many aggregates do
//     not each write a page of it.
//   - Reads take the file's events in chunks of 256, each in a read
//     transaction of its own, and yield them after it ended: a loop body
//     may append, and a long read does not hold back the file's growth.
//     Each chunk checks the context and the store. A long ReadLog decodes
//     chunks ahead on several goroutines; a read of the whole log of a file
//     not in the page cache reads the file ahead, since bbolt maps it with
//     MADV_RANDOM.
//   - Events read back share their labels, users and authorizations with
//     other events read in the same iteration, and their data with a block
//     of up to 32 KiB of other events' data: none of them may be changed.
//   - Delivered marks are written with the next commit, or in a commit of
//     their own once 1,024 wait, or at Close; a crash may lose the newest,
//     whose events are then delivered again.
//   - Names (context, aggregate, event) are at most MaxNameLength bytes,
//     and an encoded event at most WithMaxEventSize (1 MiB by default).
//   - Open reads every page of the file's trees once before bbolt maps
//     it (see above): opening a large file costs a read of it.
//   - Open creates a store in a file that does not exist, and in an empty
//     one only with WithCreateIfEmpty. An empty file is otherwise an error
//     matching ErrNotStore, not ErrCorrupt: it holds no store that could
//     be damaged, and the way out is the same as for any file that holds
//     none, to name another file or ask for the store to be made. Taking
//     it silently would start the log again at position 1 where a crash
//     or a failed copy left a store file empty.
//   - Open waits WithOpenTimeout (1 s by default) for a file another
//     process holds, then fails with ErrLocked; a file a store of this
//     process has open, whatever path names it, fails with ErrLocked at
//     once. Only one Store may use a file at a time.
package boltstore
