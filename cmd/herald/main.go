package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a line of help, and what it does
// with the arguments after its name.
type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

// commands are the subcommands in the order the usage lists them.
var commands = []command{
	{"log", "query the log, one page at a time", runLog},
	{"stats", "count the events per name, and the head position", runStats},
	{"export", "write the log as NDJSON envelopes", runExport},
	{"import", "append NDJSON envelopes in atomic batches", runImport},
	{"tail", "follow the log live until interrupted", runTail},
	{"consumers", "list consumers with checkpoint, lag and state", runConsumers},
	{"dead-letters", "list, replay or discard a consumer's dead letters", runDeadLetters},
}

// env is what a command reads and writes: the process's streams, so that
// the commands are written once for the terminal and for pipes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stdoutTTY and stderrTTY report terminals.
	stdoutTTY, stderrTTY bool
	getenv               func(string) string
}

// errUsage is the error of a command line that does not parse; the flag
// package has printed why.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdoutTTY: isTerminal(os.Stdout), stderrTTY: isTerminal(os.Stderr),
		getenv: os.Getenv,
	})
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status: 0, 1 for a
// failure, 2 for a command line that does not parse.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		fmt.Fprintf(e.stderr, "herald %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(e.stderr, "herald: unknown command %q\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: herald <command> [flags] (--file PATH | --postgres DSN | --url URL)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun herald <command> -h for the flags of a command.")
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
