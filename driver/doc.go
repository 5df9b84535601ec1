// Package driver holds what the implementers of a [herald.Store] or a
// [herald.Bus] use, and applications do not, as database/sql/driver does
// for database/sql.
//
// A store checks each event it appends with [CheckEnvelope], and answers a
// [herald.Query] by preparing it ([Prepare]), scanning its log in the
// query's order from [PreparedQuery.From] and letting
// [PreparedQuery.Collect] pick the page and make its cursor. What a store
// offers beyond the log is an optional capability, found by type
// assertion: [Outbox], [TxStore], [SnapshotStore], [CheckpointStore],
// [DeadLetterStore] and [KeyStore], whose stores seal personal fields with
// [PersonalData] and [SealPersonal] and open them with [OpenPersonal].
//
// A bus calls each handler through [SafeHandle], which turns a panic into
// a *[herald.PanicError] and makes each call one attempt at the event for
// the commands the handler runs, with a context from [CauseContexts],
// which carries the event as the cause of what the handler publishes
// ([herald.ContextWithCause]) and allocates a run of contexts at a time,
// and names the consumer ([ContextWithConsumer]). Stores and buses read
// what the application put in a context with [UserFrom], [CauseFrom],
// [TxFrom], [LabelsFrom] and [ConsumerFrom].
//
// Bad input is an error matching [herald.ErrInvalid], as everywhere in
// herald. The errors of [Prepare] and [PreparedQuery.Collect] carry no
// package prefix: the store that calls them puts its own before them.
package driver
