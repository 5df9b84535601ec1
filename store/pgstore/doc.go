// Package pgstore is a herald.Store in PostgreSQL, for applications that
// run on several machines and share one log.
//
// Open connects with a connection string; New uses the application's
// *pgxpool.Pool. Either creates the store's tables in a schema of their
// own (WithSchema, "herald" by default) from the versioned SQL embedded in
// the package, or migrates them; a schema written by a newer version is
// refused (ErrNewerSchema), and so is one whose tables lack a column
// (ErrSchema, naming the table and the column). The version of each
// event's data (Metadata.Version) is the events' column version (schema
// version 2; rows written before hold 0, which means 1); with a registry
// (WithRegistry), an event stored at an older version of its definition is
// read upcast to the current one, its row left as it is. Moving from boltstore is
// one line: the Store is also a driver.SnapshotStore, a
// driver.CheckpointStore, a driver.Outbox, a driver.TxStore, a
// driver.DeadLetterStore, a driver.SubscriptionStore (webhook
// subscriptions), a driver.RegistryStore (it keeps WithRegistry's
// registry, or the one a publisher gives it) and a driver.KeyStore
// (personal data, below), and passes store/storetest.
//
// # One order, no skipped event
//
// Every append, from any process and inside any application transaction,
// first locks the one row of the head table (SELECT ... FOR UPDATE), reads
// the head position there, writes its events at the positions after it
// and the new head, and commits. So appends take their positions one
// transaction at a time, without gaps: a rolled-back append leaves the
// head as it was. The guarantee for readers follows from the order in
// which PostgreSQL ends a transaction: it makes the commit visible to new
// snapshots before it releases the transaction's locks. Say a reader saw
// the event at position N: its snapshot holds the transaction T that
// wrote N. Every position below N was written by a transaction that held
// the head row before T did, and T got the row only once that
// transaction had ended, so committed and visible before T even began
// its append, and before the reader's snapshot. A reader that has seen N
// can therefore never later find a new event below N; it reads the log by
// position and needs no watermark, no gap detection and no waiting.
//
// The trade-off is that appends do not run in parallel: one transaction
// holds the head at a time. Within a process the store makes up for it by
// committing concurrent appends together: one goroutine, the committer,
// takes every append queued while it committed the last group and writes
// them in one transaction (with one COPY and one WAL flush), each batch
// checked on its own, so that one batch's conflict does not fail the
// others. There is no timer: a lone append is committed at once; after a
// commit the committer only yields the processor once, so that the callers
// it woke queue their next appends before it takes the next group. A
// group of up to 64 events is first written by one statement, its own
// transaction, that locks the head, numbers the events after it and
// after their aggregates' last revisions, and writes them, their counts
// and the head: one round trip and one flush. It writes nothing when an
// event expects another revision, and fails on the unique indexes when an
// id is stored already or the revisions it read were stale (they are read
// on a snapshot taken before the lock was granted); then the group is
// written again the careful way, which tells each batch what went wrong:
// the lock, the ids and the revisions read in one round trip, the events
// (by COPY beyond a few), counts and head in a second, the transaction's
// BEGIN and COMMIT travelling with the first and the last. Across
// processes the groups queue up for the row. An application transaction
// that appends (Tx, ContextWithTx) holds the head from its first append
// to its commit: keep it short after that point, and keep it READ
// COMMITTED, as pgx begins it, or an append that races another fails with
// a serialization error instead of waiting. Reads must go to the primary
// server, not a replica.
//
// # Columns
//
// Each event is a row of the events table with its envelope in columns
// (ids as uuid, names as text, the timestamp as nanoseconds since 1970 in a
// bigint, since timestamptz keeps only microseconds, labels as jsonb for
// queries) and its data as bytea: the exact JSON bytes the publisher's
// value encoded to, read back as a json.RawMessage (WithRegistry decodes
// them into the Go types). The data is not jsonb because a read of jsonb
// makes the server turn it into text, row by row, which cuts a replay to
// about a third of what it reaches with bytea; and bytea rather than text
// because the bytes are kept as they are, with no check of their encoding
// by the server. To look into the data in SQL, convert it:
// convert_from(data, 'UTF8')::jsonb.
//
// # Across processes
//
// Feed is an engine.Feed that wakes consumers when the log grows: every
// append commits a NOTIFY on the schema's channel, and the consumers of
// every process that LISTEN are woken to read the log from the table. The
// notification is only a wake-up; events are never taken from it. Lease is
// an engine.Lease, a PostgreSQL advisory lock per consumer on a
// connection of its own, so one process at a time runs a projection or a
// flow; when that process dies its connection ends, the server releases
// the lock, and a process waiting for it takes over from the checkpoint.
// Model keeps a projection's read model in the same database: handlers
// get the pgx.Tx in which the projection also saves its checkpoint, so
// each event takes effect exactly once, across crashes too.
//
// # Personal data
//
// The fields a definition of the store's registry tags
// `herald:"personal"` are written sealed (AES-GCM, driver.SealPersonal)
// with a key of the event's user, kept in the user_keys table (schema
// version 4), never in an event; the sealed column of the events and
// dead_letters tables names the sealed fields of a row, and is NULL for
// the others. An append seals its events on the caller's goroutine,
// before its transaction, with the keys it reads, or makes for users who
// have none, in statements of their own, on a connection of the pool (so
// an append inside the application's transaction needs the pool to have
// one more connection than that transaction holds); each read of events
// reads the keys of the users of its sealed events in one more query and
// opens them. Events without personal fields cost no query and no encryption.
// Dead letters are kept sealed as their events are.
//
// ForgetUser (DeleteUserKey) deletes the user's key row and, in the same
// transaction, the snapshots of the aggregates with sealed events of the
// user, whose state may hold the values in the clear; no event row is
// changed. Once it has committed, every read, in every process, gives the
// user's personal fields as "" and the events as redacted. An append
// that read the key before the delete and commits after it has sealed its
// events with the deleted key: they read as redacted too, also once the
// user has a new key, since a key has an id of its own that every sealed
// value carries. What the delete may miss is a snapshot of such an
// append's aggregate, saved after it, perhaps with the values in the
// clear, when the append holds the user's only sealed events there:
// forget a user once their commands have ended, or forget them again,
// which drops those snapshots whether a key is left or not.
//
// PostgreSQL deletes by marking a row dead (MVCC): right after ForgetUser
// the key's bytes are still in a page of the user_keys table, and the
// snapshots' in the snapshots table, where no query finds them but the
// table's file holds them, until the page is written again. A VACUUM,
// which the server's autovacuum runs when it sees fit, frees the space
// without promising to clear it. PurgeForgotten rewrites both tables (VACUUM FULL)
// without the dead rows, which makes the forgetting final in the
// database's tables; the store never runs it itself, since it locks the
// tables while it works. The rewrite keeps the rows that a transaction
// still open may see: run it once every transaction that began before
// ForgetUser returned has ended, in every session on the database (a
// replication slot or a prepared transaction holds rows back too). Beyond
// the tables, the key's bytes were written
// to the write-ahead log with the row: they stay in WAL segments until
// checkpoints recycle them, and in WAL archives, base backups and the
// files of replicas for as long as those are kept. The personal values
// themselves are never in the database in the clear, but in the
// snapshots of the application's aggregates.
//
// # Publishing in the application's transaction
//
// A Tx is the application's pgx.Tx with commit hooks, which pgx has no
// place for: begin one with Store.Begin (or wrap one with WrapTx), put it
// in the context with ContextWithTx, and PublishAfterCommit appends the
// events inside it, recorded as undelivered; its Commit commits and then
// hands the events to the bus. A crash between the two leaves them in the
// outbox for Publisher.Redeliver. The application's *sql.Tx is not
// supported: use pgx directly.
package pgstore
