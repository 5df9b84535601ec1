package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
)

// runDeadLetters lists, replays or discards the dead letters of a
// consumer: "dead-letters list NAME", "dead-letters replay NAME ID..." and
// "dead-letters discard NAME ID...".
func runDeadLetters(ctx context.Context, e *env, args []string) error {
	fs, src := newFlagSet("dead-letters", "(list NAME | replay NAME ID... | discard NAME ID...) [flags]", e.stderr)
	asJSON := fs.Bool("json", false, "NDJSON even on a terminal")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) < 2 {
		return usageError(fs, "want an action and a consumer name")
	}
	action, consumer, ids := rest[0], rest[1], rest[2:]
	switch {
	case action != "list" && action != "replay" && action != "discard":
		return usageError(fs, "unknown action %q: want list, replay or discard", action)
	case action == "list" && len(ids) > 0:
		return usageError(fs, "list takes no event ids")
	case action != "list" && len(ids) == 0:
		return usageError(fs, "%s wants the event ids of the dead letters", action)
	}
	parsed, err := parseIDs(ids)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	s, err := openSource(ctx, src, e, false)
	if err != nil {
		return err
	}
	defer s.close()
	if action == "list" {
		return listDeadLetters(ctx, e, s, consumer, *asJSON)
	}
	do, verb := s.replay, "replayed"
	if action == "discard" {
		do, verb = s.discard, "discarded"
	}
	for _, id := range parsed {
		if err := do(ctx, consumer, id); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		fmt.Fprintf(e.stdout, "%s %s\n", verb, id)
	}
	return nil
}

func parseIDs(ids []string) ([]uuid.UUID, error) {
	parsed := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		var err error
		if parsed[i], err = uuid.Parse(id); err != nil {
			return nil, fmt.Errorf("event id %q: want a uuid", id)
		}
	}
	return parsed, nil
}

// deadLetterJSON is a dead letter as --json prints it, the shape of the
// HTTP API's dead letters.
type deadLetterJSON struct {
	Event    herald.Event `json:"event"`
	Attempts int          `json:"attempts"`
	Error    string       `json:"error"`
	Parked   bool         `json:"parked"`
	At       time.Time    `json:"at"`
}

func listDeadLetters(ctx context.Context, e *env, s source, consumer string, asJSON bool) error {
	letters, err := s.deadLetters(ctx, consumer)
	if err != nil {
		return err
	}
	if asJSON || !e.stdoutTTY {
		out := newNDJSON(e.stdout)
		for _, d := range letters {
			if err := out.write(deadLetterJSON{Event: d.Event, Attempts: d.Attempts, Error: errorText(d.Err), Parked: d.Parked, At: d.At}); err != nil {
				return err
			}
		}
		return out.flush()
	}
	if len(letters) == 0 {
		fmt.Fprintf(e.stdout, "no dead letters of %s\n", consumer)
		return nil
	}
	t := newTable(e.stdout, "ID", "POSITION", "NAME", "ATTEMPTS", "PARKED", "AT", "ERROR")
	for _, d := range letters {
		t.row(d.Event.ID.String(), fmt.Sprint(d.Event.Metadata.Position), d.Event.FullName(), fmt.Sprint(d.Attempts),
			fmt.Sprint(d.Parked), d.At.UTC().Format(timeLayout), errorText(d.Err))
	}
	return t.flush()
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
