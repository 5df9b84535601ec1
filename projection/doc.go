// Package projection builds read models from a herald log, and runs flows
// that react to events with commands.
//
// A Projection is a named, durable consumer of the log. It has a typed
// handler per event name (On), a Model it writes through them, a version
// and a reset hook. Run loads its checkpoint (the position of the last
// event applied), catches up by reading the store from there in batches,
// then follows the events the bus brings, until its context ends. Each
// projection runs on its own goroutine at its own pace; a Runner runs
// several side by side.
//
// # What a projection guarantees
//
//   - Order: events are applied one at a time, in position order, each
//     once its predecessors are; none is skipped.
//   - Exactly once on bbolt: with Bolt, the model lives in the store's
//     bbolt file, and a batch of events and the checkpoint after it are
//     written in one read-write transaction (the *bbolt.Tx handlers get).
//     After a crash, at any moment, the model holds exactly the events up
//     to its checkpoint: each took effect once.
//   - At least once elsewhere: with Memory or External, the model and the
//     checkpoint are not written together. After a crash, and after a
//     handler failure part way through a batch, events since the last
//     checkpoint saved are applied again. Handlers see each event's
//     position (e.Metadata.Position) and can compare it with the one they
//     recorded last, to apply each once.
//   - Nothing holds back the publisher: the bus hands a projection's
//     events to a buffer and returns. When the buffer is full, or an
//     event is missing, the projection reads the store instead, which
//     holds every event up to the newest it was handed.
//   - Failure is never silent: a handler's error (or panic) is retried
//     with backoff as the RetryPolicy says, and then the projection stops
//     in the Failed state on that event, every event before it applied,
//     until Resume (which tries it again) or Rebuild.
//   - Rebuild: Rebuild runs the reset hook and clears the checkpoint (in
//     one transaction on Bolt) and replays the whole log, reporting its
//     progress (done, total, rate, time left) to a callback and the
//     logger. Events that come while it rebuilds are applied after the
//     log's head as it was when the rebuild began, in order. A projection
//     whose checkpoint was written by another version rebuilds itself
//     when it starts.
//   - Rebuild without downtime: with a standby model beside the model
//     (Config.Standby; on bbolt, two BoltIn models in buckets of their
//     own), Rebuild rebuilds the one that does not answer while the other
//     goes on applying live events and answering View; once the rebuilt
//     one has caught up, the two change places between two batches, in one
//     step, and the switch is recorded with the rebuilt model's checkpoint
//     (its generation), so a restart keeps it. A rebuild never runs a
//     flow's reactions: flows keep checkpoints of their own.
//   - Status reports the checkpoint, the log's head, the lag, the state
//     (Stopped, CatchingUp, Live, Rebuilding, Failed), the last error and
//     a rebuild's progress.
//
// # Flows
//
// A Flow reads the log like a projection, and runs a reaction (When) per
// event name with a context that carries the event as the cause: the
// events its commands publish through a herald.Publisher, or a
// herald.Repository, are caused by that event and carry its correlation
// id, and a repository derives their ids from it and the flow's name
// (driver.ContextWithConsumer), so two flows reacting to one event both
// count. The events a flow's reactions publish carry the label FlowLabel
// with the flow's name. A flow is at least once and deduplicates by
// causation and that label: after a crash, an event whose reaction may
// have run is passed over when the store holds an event it caused that the
// flow published (see Flow). A flow has no model and does not rebuild.
//
// # Choices
//
//   - Bad setup fails New and NewFlow, not the first event: a missing
//     name, store, model or reset hook, two handlers of one event, an
//     event name that is not "context.aggregate.name", an event a strict
//     registry does not define, a data type other than the registry's.
//     Runner.Add refuses two consumers of one name. All match
//     herald.ErrInvalid.
//   - Every projection has a reset hook, since a version change rebuilds.
//     A projection without a checkpoint takes its model for empty and
//     starts from the beginning without a reset.
//   - Names identify checkpoints and bus subscriptions; '#' is kept for
//     the checkpoints a model or a flow saves beside the main one
//     ("name#version", "name#pending"). On Bolt, checkpoints live in the
//     bucket BoltBucket: the version then the position, 8 bytes
//     big-endian each, under the projection's name.
//   - While catching up a projection applies full batches (BatchSize);
//     while following, what the bus brought. Events without a handler are
//     passed over; their positions are saved with the next batch, or once
//     a batch's worth of them passed, or when Run ends.
//   - On Bolt a batch holds the file's only write transaction, so the
//     store's appends wait for it: handlers must be quick, and must not
//     append to the store.
//   - When a handler fails, the batch is cut before the failing event,
//     which is then retried alone; on Bolt the events before it are
//     applied again in a transaction of their own, since the failed one
//     rolled back.
//   - Run does not return when a projection fails: it waits for Resume or
//     Rebuild (Wait returns the *FailedError). It returns nil when its
//     context ends, and an error matching herald.ErrClosed when the store
//     or the model is closed. Other errors of the store or the model are
//     retried with backoff, without limit, and reported in Status.
//   - Rebuild while Run runs is done by Run; without Run, Rebuild does it
//     and a Run that starts meanwhile waits for it.
package projection
