// Command herald reads and writes a herald event log from the terminal:
// a bbolt file, a PostgreSQL database, or a running application's HTTP
// API (package httpapi).
//
// Install it with
//
//	go install github.com/herald-go/herald/cmd/herald@latest
//
// Usage:
//
//	herald <command> [flags] (--file PATH | --postgres DSN [--schema S] | --url URL [--token T])
//
// The commands:
//
//	log           one page of a log query: --top, --cursor, --name PATTERN (repeatable),
//	              --correlation-id, --label key:value (repeatable), --since and --until
//	              (RFC 3339), --newest
//	stats         the events per name and the head position
//	export        the log as NDJSON envelopes to stdout or --out FILE; --after POSITION
//	              resumes an export (appending to --out)
//	import        NDJSON envelopes from stdin or --in FILE, in atomic batches (--batch 500)
//	tail          follows the log live (--name PATTERN, --after POSITION) until interrupted
//	consumers     the durable consumers with checkpoint, lag and state
//	dead-letters  list NAME | replay NAME ID... | discard NAME ID...
//
// Flags and arguments may come in any order; each command's -h lists its
// flags. The token of --url defaults to $HERALD_TOKEN and is sent as a
// bearer token ("Authorization: Bearer T"); the application's
// authenticator gives it its roles. stats, export, consumers and
// dead-letters list need the reader role (event-reader), import the
// sender role (event-sender), dead-letters replay and discard the
// operator role (event-operator); log and tail show any caller the events
// it may see, and tail without the reader role begins after the newest
// of them. A refused token (401) or a missing role (403) is an error
// saying so.
//
// # Output
//
// On a terminal log, stats, consumers and dead-letters print aligned
// tables, and tail one line per event; with --json, or when stdout is not
// a terminal (a pipe, a file), they print NDJSON: envelopes in the JSON of
// herald.Event (wolkenkit's shape) for log and tail, the document of
// GET /events/stats for stats. log prints the next page's --cursor after
// its table, or on stderr with NDJSON so that stdout holds only events.
// export and import report their progress on stderr: a bar on a terminal
// (for import, of the share of its input read, when that is a file), a
// line every few seconds otherwise, and a summary at the end.
//
// # Import
//
// import checks each envelope (names, ids) as it reads it and appends the
// events in batches, each atomic. A line that does not decode or fails the
// check stops the import with its line number; nothing of its batch is
// stored, the batches before it are. Events stored already (the same ids)
// are left out, so an import that stopped is resumed by running it again
// (an event that comes twice in the input is stored once);
// a batch of which only some events are stored is appended event by event
// (over --url, each batch is one POST /events, and one the application
// refuses as a conflict, 409, is sent event by event).
// Each event keeps its id, timestamp (to the millisecond, as the JSON has
// it) and revision, which must follow on from what the store holds of its
// aggregate; positions are the store's. A file holds no registry, so data
// is checked against the application's definitions only over --url.
//
// # Files in use
//
// Only one process at a time may open a bbolt file. When a running
// application holds it, every command fails at once with "the file is in
// use by a running application; use --url". A missing file, or a
// PostgreSQL schema that does not exist, is an error, except for import,
// which creates the store. tail on a file closes it
// between its reads (every half second), so that another process may
// append meanwhile; when an application keeps the file for more than a
// few seconds, tail stops with the same message. tail over --url connects
// again, for up to a minute, when the application ends its stream (as a
// restart does), saying so on stderr.
//
// # Consumers and dead letters
//
// On a file or a database, consumers lists the checkpoints the store
// keeps (durable subscriptions, flows, and the projections whose read
// models live in the same file or database) with the names given as
// arguments, and their lag behind the head; the state is "stopped" for a file, which no
// application holds while the command has it, and unknown for a database.
// Over --url the application reports every consumer and its state.
// dead-letters discard removes letters from a store; replay runs the
// consumer's handler, which only the application has, so it needs --url.
// A running application that parks the events of an aggregate behind a
// dead letter learns of a discard made directly in its database at its
// next start; discard through --url instead.
//
// # Exit status
//
// 0 on success (tail ends with 0 when interrupted), 1 when the command
// failed, 2 when its command line is wrong.
package main
