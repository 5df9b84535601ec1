// Package engine runs the consumers of a herald log: durable subscriptions
// ([github.com/herald-go/herald/durable]), projections and flows
// ([github.com/herald-go/herald/projection]), and what
// stores and buses add later. Each is a [Consumer] — load a checkpoint,
// say which events it wants, apply a batch and save the checkpoint, reset
// for a rebuild — and an [Engine] drives it.
//
// An engine reads the log from the consumer's checkpoint in batches, with
// the next batch read while the current one is applied; once it has caught
// up it follows its [Feed], taking each event by its position: an
// event it has passed is skipped, one past a gap makes it read the log, so
// it never skips an event and never applies one twice in a run. A failing
// handler is retried as the [herald.RetryPolicy] says; an event it fails
// on at every attempt stops the consumer in the Failed state ([Stop]) or
// becomes a dead letter ([DeadLetter]), kept in a
// [github.com/herald-go/herald/driver.DeadLetterStore]
// so it outlasts a restart, and listed, replayed or discarded with
// [Engine.DeadLetters], [Engine.Replay] and [Engine.Discard]. With
// [Config].Park the later events of its aggregate wait behind it, so a
// replay keeps the aggregate's order.
//
// The seams a store or bus fills: the [Log] it reads (every herald.Store
// is one), the [Feed] that wakes it (a bus through [FromBus], or a
// notification that hands over an event without a position), the
// checkpoint the consumer keeps (a
// [github.com/herald-go/herald/driver.CheckpointStore], or a read
// model's own transaction), and a [Lease] that lets one process at a time
// run a consumer of a name ([LocalLease] within one process).
//
// [Engine.Run] blocks until its context ends, as the Run of every
// consumer does; [Engine.Wait] waits for a position, [Engine.Status]
// reports a [Status].
package engine
