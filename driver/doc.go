// Package driver holds what the implementers of a [herald.Store] or a
// [herald.Bus] call, and applications do not, as database/sql/driver does
// for database/sql.
//
// A store checks each event it appends with [CheckEnvelope], and answers a
// [herald.Query] by preparing it ([Prepare]), scanning its log in the
// query's order from [PreparedQuery.From] and letting
// [PreparedQuery.Collect] pick the page and make its cursor.
//
// A bus calls each handler through [SafeHandle], which turns a panic into
// a *[herald.PanicError] and makes each call one attempt at the event for
// the commands the handler runs, with a context from [CauseContexts],
// which carries the event as the cause of what the handler publishes
// ([herald.WithCause]) and allocates a run of contexts at a time.
//
// Bad input is an error matching [herald.ErrInvalid], as everywhere in
// herald. The errors of [Prepare] and [PreparedQuery.Collect] carry no
// package prefix: the store that calls them puts its own before them.
package driver
