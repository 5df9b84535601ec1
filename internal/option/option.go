package option

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/herald-go/herald/internal/prefix"
)

// Apply calls each option of opts but the nil ones on c, all of them, and
// returns nil when none failed. Otherwise it returns the errors they
// returned, joined, after the prefix of pkg and the constructor's op (such
// as "membus: new") and before invalid (herald.ErrInvalid, which the
// error matches then), unless they match invalid already. An option's
// error loses a package prefix of its own.
func Apply[C any, O ~func(*C) error](c *C, opts []O, pkg, op string, invalid error) error {
	var errs []error
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			errs = append(errs, prefix.Strip(err))
		}
	}
	err := errors.Join(errs...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, invalid):
		return prefix.Errorf(pkg, "%s: %w", op, err)
	default:
		return prefix.Errorf(pkg, "%s: %w: %w", op, err, invalid)
	}
}

// Invalid returns the error of the option call, such as `WithName("")`,
// that refuses its value for reason.
func Invalid(call, reason string) error {
	return errors.New(call + ": " + reason)
}

// AtLeast returns nil when v is low or more, else the error of option(v).
func AtLeast[N cmp.Ordered](option string, v, low N) error {
	if v >= low {
		return nil
	}
	return fmt.Errorf("%s(%v): want %v or more", option, v, low)
}

// Positive returns nil when v is more than 0, else the error of
// option(v).
func Positive[N cmp.Ordered](option string, v N) error {
	var zero N
	if v > zero {
		return nil
	}
	return fmt.Errorf("%s(%v): want more than %v", option, v, zero)
}

// Between returns nil when v is from low to high, both included, else the
// error of option(v).
func Between[N cmp.Ordered](option string, v, low, high N) error {
	if v >= low && v <= high {
		return nil
	}
	return fmt.Errorf("%s(%v): want %v to %v", option, v, low, high)
}
