package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// source is where a command finds the events: a store opened here
// (storeSource) or a running application's HTTP API (urlSource). Each
// command is written once against it.
type source interface {
	// query answers one page of a log query.
	query(ctx context.Context, q herald.Query) (herald.Page, error)
	// stats reports the size of the log and the counts per name.
	stats(ctx context.Context) (herald.Stats, error)
	// readLog calls fn with every event after the position after whose
	// name matches one of names (every event when names is empty), in
	// position order; with follow it goes on with the events appended
	// later until ctx ends, and then returns nil.
	readLog(ctx context.Context, after uint64, names []string, follow bool, fn func(*herald.Event) error) error
	// appendBatch stores events atomically, leaving out those stored
	// already, and returns how many it left out.
	appendBatch(ctx context.Context, events []herald.Event) (skipped int, err error)
	// consumers reports the durable consumers, those named first.
	consumers(ctx context.Context, names []string) ([]consumerStatus, error)
	// deadLetters lists the dead letters of consumer.
	deadLetters(ctx context.Context, consumer string) ([]herald.DeadLetter, error)
	// replay hands a dead letter to its consumer again.
	replay(ctx context.Context, consumer string, id uuid.UUID) error
	// discard removes a dead letter.
	discard(ctx context.Context, consumer string, id uuid.UUID) error
	// close releases the source.
	close() error
}

// consumerStatus is one durable consumer: a durable subscription, a
// projection or a flow.
type consumerStatus struct {
	Name       string `json:"name"`
	Checkpoint uint64 `json:"checkpoint"`
	Lag        uint64 `json:"lag"`
	State      string `json:"state"`
}

// openSource opens the one source the flags name.
func openSource(ctx context.Context, f *sourceFlags, e *env, create bool) (source, error) {
	given := 0
	for _, v := range []string{f.file, f.postgres, f.url} {
		if v != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return nil, errors.New("no source: give --file PATH, --postgres DSN or --url URL")
	case given > 1:
		return nil, errors.New("several sources: give only one of --file, --postgres and --url")
	case f.schema != "" && f.postgres == "":
		return nil, errors.New("--schema is for --postgres")
	case f.token != "" && f.url == "":
		return nil, errors.New("--token is for --url")
	case f.file != "":
		return openFile(f.file, create)
	case f.postgres != "":
		return openPostgres(ctx, f.postgres, f.schema, create)
	}
	token := f.token
	if token == "" {
		token = e.getenv("HERALD_TOKEN")
	}
	return newURLSource(f.url, token, e.stderr)
}

// errNotSupported is the error of what a source cannot do.
func errNotSupported(what, why string) error {
	return fmt.Errorf("%s is not possible here: %s", what, why)
}
