package prefix

import (
	"errors"
	"fmt"
)

// Error is an error of package Pkg: its text is Pkg, ": ", then the text
// of Err, which it wraps.
type Error struct {
	Pkg string
	Err error
}

// Error returns the prefix, then the rest.
func (e *Error) Error() string { return e.Pkg + ": " + e.Err.Error() }

// Unwrap returns the error without its prefix.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns fmt.Errorf(format, args...) under the prefix pkg. An
// argument that is an error with a prefix of its own is given without it,
// so the text has one prefix, pkg's; errors.Is and errors.As still find
// everything the argument wraps.
func Errorf(pkg, format string, args ...any) error {
	return &Error{Pkg: pkg, Err: fmt.Errorf(format, stripArgs(args)...)}
}

// New returns the error of pkg with the text msg.
func New(pkg, msg string) error {
	return &Error{Pkg: pkg, Err: errors.New(msg)}
}

// Wrap returns err under the prefix pkg, or nil for a nil err. An err with
// a prefix of its own loses it.
func Wrap(pkg string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Pkg: pkg, Err: Strip(err)}
}

// stripArgs returns args with each error that has a prefix replaced by
// the error without it. It copies args rather than change them.
func stripArgs(args []any) []any {
	var out []any
	for i, a := range args {
		err, ok := a.(error)
		if !ok {
			continue
		}
		if s := Strip(err); s != err {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = s
		}
	}
	if out == nil {
		return args
	}
	return out
}

// Strip returns err without its prefix: the error under it when err is an
// *Error, else err, so what errors.Is and errors.As find in err they find
// in the result. An error of errors.Join keeps each of its errors'
// prefixes; it reads one line per error.
func Strip(err error) error {
	for {
		e, ok := err.(*Error)
		if !ok {
			return err
		}
		err = e.Err
	}
}
