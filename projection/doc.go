// Package projection builds read models from a herald log, and runs flows
// that react to events with commands.
//
// A [Projection] ([New], [Config]) is a named, durable consumer of the log:
// handlers made with [On] apply each event to a [Model] and the model saves
// the projection's [Checkpoint], the position of the last event applied.
// [Projection.Run] loads the checkpoint, catches up from the store, then
// follows the bus, until its context ends. A [Runner] runs projections and
// flows side by side, each at its own pace, and [Runner.Settle] waits until
// nothing is in flight. A projection promises:
//
//   - Order: events are applied one at a time, in position order; none is
//     skipped.
//   - Exactly once with [Bolt] and [BoltIn]: a batch of events and the
//     checkpoint after it commit in one bbolt transaction, so after a crash
//     the model holds exactly the events up to its checkpoint. At least once
//     with [Memory] and [External]: after a crash or a failed handler the
//     events since the last saved checkpoint are applied again, and handlers
//     can compare e.Metadata.Position with the one they recorded last.
//   - Nothing holds back the publisher: when the projection's buffer is
//     full or an event is missing, it reads the store instead.
//   - Failure is never silent: a failing (or panicking) handler is retried
//     as [Config].Retry says, then the projection stops in the Failed state
//     on that event, every event before it applied, until
//     [Projection.Resume] or [Projection.Rebuild].
//   - [Projection.Rebuild] replays the whole log into a model cleared by the
//     reset hook; a projection whose checkpoint another [Config].Version
//     wrote rebuilds itself when it starts. With [Config].Standby it
//     rebuilds without downtime. A rebuild never runs a flow's reactions.
//   - [Projection.Status] reports the checkpoint, the head, the lag, the
//     state, the last error and a rebuild's progress.
//
// A [Flow] ([NewFlow], [FlowConfig]) reads the log like a projection and
// runs a reaction ([When]) per event name, with a context that carries the
// event as the cause, so the events its commands publish are caused by it
// and carry [FlowLabel] with the flow's name. A flow is at least once, does
// not run a reaction again for an event that already caused events it
// published, and has no model to rebuild.
//
// Handlers and reactions get events in the current version of their
// definition: one stored at an older version is upcast first with
// [Config].Registry ([herald.WithUpcast]); an upcaster's failure is the
// handler's, retried and then reported as its failure is.
//
// Bad setup fails [New] and [NewFlow], not the first event, with an error
// matching [herald.ErrInvalid]: a missing name, store, model or reset hook,
// two handlers of one event, a malformed event name, an event a strict
// registry does not define, a data type other than the registry's.
package projection
