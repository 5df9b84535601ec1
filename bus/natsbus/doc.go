// Package natsbus is a herald.Bus on NATS JetStream: the events a Publisher
// stored go to a stream, and every process that subscribes under one name
// shares that subscription's events. Moving from membus is one line:
//
//	bus, err := natsbus.New(ctx, js) // instead of membus.New()
//
// # Subjects and partitions
//
// An event goes to prefix.context.aggregate.name.partition ("herald" by
// default, WithSubjectPrefix), with its id as Nats-Msg-Id, so a publish
// repeated within the stream's duplicate window (WithDuplicateWindow)
// lands once. The partition is a hash of the aggregate id modulo the
// stream's number of partitions (WithPartitions, 64 by default, recorded
// in the stream's metadata; New refuses a stream made with another).
// Publish sends a call's events asynchronously and returns once JetStream
// has acknowledged all of them.
//
// # Async subscriptions
//
// An async subscription is one durable pull consumer per worker
// (WithWorkers, 1 by default), named after the subscription (name, or
// name_IofN with several workers), created with the events published from
// then on, and shared by every process that subscribes under that name:
// each event is handled by one of them. Worker i takes the partitions p
// with p % workers == i; its name patterns become its subject filters
// (several patterns take every name), and the filter (names and pattern)
// is applied after decoding. Each consumer has at most one event
// unacknowledged (MaxAckPending 1): whichever process takes it, the next
// event of those partitions is delivered only once it is acknowledged, so
// the events of one aggregate are handled one at a time in stream order,
// across processes, and different partitions run in parallel. That is the
// design's limit too: a consumer hands out one event per round trip to the
// server, and an aggregate's events never go faster than that; more
// workers give more partitions room to run at once. Every process must
// give a subscription the same number of workers.
//
// Events are fetched one at a time, so the server's acknowledgement wait
// (WithAckWait, 30 s by default) starts when the event reaches the worker,
// right before its handler starts; while the handler runs or waits to be
// retried, the worker tells the server every quarter of the wait that it is
// still at work (in-progress acknowledgements), so a long handler keeps its
// event. A process that dies leaves its event to another after the wait.
//
// A handler that fails or panics is retried as WithRetry says, in the
// worker, holding its partition's place; the deliveries an event had
// before (a process that died handling it) count as attempts. When the
// attempts are used up, the event goes to the dead-letter function
// (WithDeadLetter) and to the dead-letter stream (the stream's name with
// "_DEAD", subject prefix.deadletters.subscription) with headers
// Herald-Subscription, Herald-Reason, Herald-Attempts and Herald-Subject,
// and is terminated. A message on the stream that is not a herald event
// goes there too, with the decode error, Attempts 0.
//
// # Sync subscriptions
//
// A Sync subscription is this process's own: an ordered consumer of every
// event of the stream, from the moment it subscribed, whatever process
// published it, handled in stream order one attempt each (a failure goes
// to the dead letters). Publish returns only once every Sync subscription
// of its process has handled the events it published, so a Sync handler
// has them when Publish returns, as on membus, and sees the other
// processes' events too; a consumer engine following the bus
// (engine.FromBus) sees every event of the stream. A Publish from inside a
// Sync handler does not wait for Sync subscriptions.
//
// # Data
//
// Events travel as herald's JSON envelope. A handler gets Data as the Go
// value that was published when its process published the event and still
// keeps it (WithLocalEvents, the last 65,536); otherwise as decoded by the
// registry given WithRegistry, or as the payload's json.RawMessage.
//
// # Durability
//
// The log of record is the store; the stream is for delivery. The server
// acknowledges a publish once it has written it to its file, but by default
// it syncs files to disk only every two minutes (jetstream's sync_interval,
// a setting of the server, not of a stream): a power failure or a crash
// of the machine can lose up to that much of the stream, and with
// WithAsyncPersist a crash of the server process too. With sync_interval
// "always" nothing acknowledged is lost, at a few thousand events per
// second. Events a crash left unpublished between the store's commit and
// Publish are published again from the store's outbox, where the store
// has one (boltstore), and Nats-Msg-Id keeps them once in the stream
// within its duplicate window. Events the stream lost after acknowledging
// them are in the store's log, which durable subscriptions read.
//
// # Closing
//
// Unsubscribe and Close stop this process's workers taking new work and
// end retries, then drain what the consumers still hold, each event one
// attempt, as membus drains its queues; the durable consumers stay
// (DeleteConsumers removes them). When Close's context ends first, the
// handlers' context is cancelled and the events the workers still get go
// back to the stream. Close neither closes the connection nor deletes the
// stream. The only goroutines a Bus starts are its workers and their
// heartbeats, which end when their subscription is drained, and the
// client's consumers for Sync subscriptions, which end with them.
//
// # Introspection
//
// Bus.Status counts what this process delivered, failed, retried and
// dead-lettered, and asks the server what each subscription's consumers
// have pending, for every process.
package natsbus
