// Package herald publishes, stores and delivers in-process domain events in
// the style of wolkenkit.
//
// An [Event] is wolkenkit's envelope, field for field and in its JSON: the
// [AggregateRef] that published it, its name, id, type and data, the [User],
// and [Metadata] (timestamp, position, revision, causation, correlation,
// labels, [Authorization]).
//
// A [Publisher] stamps events, checks them against its [Registry] of
// definitions ([Define]), appends them to a [Store] and hands the stored
// events to a [Bus]. [Publisher.Publish] and [Publisher.PublishBatch] publish
// at once; [Publisher.PublishAfterCommit] and
// [Publisher.PublishBatchAfterCommit] publish when the [Tx] in the context
// ([ContextWithTx]; [UnitOfWork] is the in-memory one) commits. Causation and
// correlation flow through the context: a bus hands each handler a context
// made by [ContextWithCause], so what a handler publishes is caused by the
// event it handles. [ContextWithCausationID], [ContextWithCorrelationID],
// [ContextWithUser] and [ContextWithLabels] set them for a command.
//
// An aggregate embeds [AggregateBase] and registers with [Apply] how its
// events change its state. A [Repository] loads aggregates (newest
// [Snapshot], then the events after it), saves their new events at the
// revision they expect ([ErrConflict] when another writer was first), and
// retries a command on a fresh load ([Repository.Use]).
//
// # Versions
//
// A definition has a version ([WithVersion]), from 1, and an upcaster per
// step from each older version ([WithUpcast]): a function from the JSON of
// version n to the JSON of version n+1. The publisher stamps events with
// their definition's version (Metadata.Version, "version" in the JSON
// envelope's metadata when above 1; 0 means 1), and stores keep it with the
// event. Whatever reads an event against a registry — [Registry.Decode],
// which stores with a registry call on every read, aggregate loads,
// projections, flows, durable subscriptions and push streams — brings one
// stored at an older version to the current one, running every step from
// the stored version up, and leaves the stored bytes as they are. A failing
// upcaster is an [*UpcastError] naming the event and its position. A
// definition with upcasters needs one for every step; one above version 1
// without any reads older events as they are.
//
// Buses (bus/membus) deliver to named subscriptions, filtered by event name
// and by patterns of [github.com/herald-go/herald/match]; failing handlers
// are retried ([RetryPolicy]) and then dead-lettered ([DeadLetter]). Durable
// subscriptions, projections and flows run on
// [github.com/herald-go/herald/engine]: from a checkpoint they catch up on
// the log, then follow it live without a gap or a duplicate.
//
// Personal data: the top-level string fields of an event's data that a
// definition tags `herald:"personal"` ([PersonalTag]) belong to the
// event's [User]. A store that keeps user keys (memstore, boltstore) keeps
// them encrypted with that user's key and opens them on every read;
// [Publisher.ForgetUser] deletes the key and publishes [UserDeleted], and
// from then on those fields read as "" and their events as
// [Metadata.Redacted], the rest of each event as it was. The derived
// schema marks them ([PersonalKeyword]).
//
// No call panics on nil or zero arguments. Input a call cannot use,
// including a nil context.Context, is an error matching [ErrInvalid] that
// names what was wrong; the helpers that derive a context return nil for a
// nil parent, so the mistake shows at the next call. A nil option is no
// option. Calls without an error to return answer nil input with their zero
// (a nil *Event matches no filter). The stores, buses, projections and push
// of this module promise the same.
//
// # Errors
//
// Every error of the module reads "pkg: what was done: detail: wrapped",
// such as "membus: subscribe "audit": the handler is nil: invalid input":
// the package's prefix once, the wrapped error last. Sentinels and detail
// types (ErrInvalid, *ConflictError, …) carry no prefix, since the module
// always returns them wrapped by one; errors.Is and errors.As find them.
// An error that wraps one of another package of the module keeps only the
// outer prefix, and a store's error reaches the caller of a Publisher or
// Repository as the store wrote it. The driver package's errors, meant to
// be wrapped by a store, carry no prefix either.
//
// # Schemas
//
// Every definition made by [Define] has a JSON Schema (draft 2020-12) of
// its data, [Definition.Schema]: the one given [WithSchema], or one
// derived from the Go type with github.com/invopop/jsonschema. A derived
// schema has the JSON names of the properties, requires those without
// omitempty, allows no others, lets a nil pointer, slice or map be null
// as encoding/json writes it, describes a uuid.UUID as a uuid string and
// a type with its own MarshalJSON as anything, and adds what the struct
// tags `jsonschema:"…"` (required, enum, format, minimum, maximum,
// minLength, …) and `jsonschema_description:"…"` say.
//
// Define compiles the schema once, with
// github.com/santhosh-tekuri/jsonschema/v6, loading nothing from outside
// it and asserting formats. Data published as a json.RawMessage, as an
// HTTP request or an import brings it, must pass the schema before
// anything is stored, then decode into the Go type and pass its Validate
// method; a refusal is a [*ValidationError] whose Err is a [*SchemaError]
// naming each value by its JSON Pointer ("/items/2/quantity: must be >=
// 1"). Go values are checked by their type and Validate alone, with no
// JSON on the way.
//
// A sample ([WithSample]) must be of the type, and pass a schema given
// WithSchema; package heraldtest checks in an application's tests that
// every event has a sample its schema accepts. [Registry.AsyncAPI] writes
// the registry as an AsyncAPI 3.0 document.
package herald
