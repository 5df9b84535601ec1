package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/herald-go/herald/match"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// sourceFlags are the flags that name where the events are.
type sourceFlags struct {
	file, postgres, schema, url, token string
}

// newFlagSet returns the flag set of a command with the source flags, and
// a usage that shows synopsis.
func newFlagSet(name, synopsis string, stderr io.Writer) (*flag.FlagSet, *sourceFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: herald %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	src := &sourceFlags{}
	fs.StringVar(&src.file, "file", "", "the bbolt `PATH` of a store")
	fs.StringVar(&src.postgres, "postgres", "", "the PostgreSQL connection string (`DSN`) of a store")
	fs.StringVar(&src.schema, "schema", "", "the PostgreSQL `SCHEMA` of the store (default herald)")
	fs.StringVar(&src.url, "url", "", "the base `URL` of a running application's HTTP API")
	fs.StringVar(&src.token, "token", "", "the bearer `TOKEN` for --url (default $HERALD_TOKEN)")
	return fs, src
}

// parseArgs parses args with flags and positional arguments in any order,
// and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// usageError prints msg and the usage of fs, and returns errUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "herald %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// checkNames refuses a --name pattern that does not parse.
func checkNames(fs *flag.FlagSet, names []string) error {
	if _, err := match.ParseNames(names...); err != nil {
		return usageError(fs, "--name: %v", err)
	}
	return nil
}

// parseFlags parses args of a command that takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError(fs, "unexpected argument %q", rest[0])
	}
	return nil
}
