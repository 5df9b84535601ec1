// Package durable runs durable subscriptions: a named handler that reads a
// herald log from its checkpoint, catches up, then follows the bus, so that
// after a restart it resumes where it stopped.
//
// A [Subscription] runs on the consumer engine
// ([github.com/herald-go/herald/engine]) while its
// [Subscription.Run] runs. It promises:
//
//   - at least once, in position order, one event at a time: the
//     checkpoint is saved after every batch ([Config].CheckpointEvery), so a
//     crash hands the events since the last save to the handler again;
//   - no gap and no duplicate where catching up ends and following the bus
//     begins, also while others publish;
//   - the current version: with a store's registry, an event stored at an
//     older version of its definition reaches the handler upcast
//     ([herald.WithUpcast]); an upcaster's failure is the handler's;
//   - a failing handler is retried ([Config].Retry); an event it fails on at
//     every attempt becomes a dead letter, kept in the store when the store
//     is a [github.com/herald-go/herald/driver.DeadLetterStore] (memstore
//     and boltstore are), listed with
//     [Subscription.DeadLetters], and handled again with
//     [Subscription.Replay] or dropped with [Subscription.Discard]. With
//     [Config].Park, the later events of its aggregate wait behind it as dead
//     letters too, and a replay hands them over after it, in order;
//   - ending Run's context ends the handler's: an event cut short is
//     handled again after the restart, and is no dead letter.
//
// Several processes can share one subscription name with a
// [github.com/herald-go/herald/engine.Lease]: one runs it at a time, the
// others wait on standby.
package durable
