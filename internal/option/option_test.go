package option_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/option"
)

var errInvalid = errors.New("invalid input")

type config struct{ n int }

type testOption func(*config) error

func withN(n int) testOption {
	return func(c *config) error {
		if err := option.AtLeast("WithN", n, 1); err != nil {
			return err
		}
		c.n = n
		return nil
	}
}

func TestApplyRunsEveryOptionAndJoinsTheirErrors(t *testing.T) {
	var c config
	require.NoError(t, option.Apply(&c, []testOption{nil, withN(2)}, "pkg", "new", errInvalid))
	assert.Equal(t, 2, c.n)

	err := option.Apply(&c, []testOption{withN(0), withN(3), withN(-1)}, "pkg", "new", errInvalid)
	require.ErrorIs(t, err, errInvalid)
	assert.Equal(t, "pkg: new: WithN(0): want 1 or more\nWithN(-1): want 1 or more: invalid input", err.Error())
	assert.Equal(t, 3, c.n, "the valid option applies all the same")
}

func TestApplyWrapsInvalidOnce(t *testing.T) {
	var c config
	already := func(*config) error { return errors.Join(errors.New("WithX: bad"), errInvalid) }
	err := option.Apply(&c, []testOption{already}, "pkg", "new", errInvalid)
	require.ErrorIs(t, err, errInvalid)
	assert.Equal(t, "pkg: new: WithX: bad\ninvalid input", err.Error())
}

func TestChecks(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{option.AtLeast("WithSize", 1, 1), ""},
		{option.AtLeast("WithSize", 0, 1), "WithSize(0): want 1 or more"},
		{option.Positive("WithTimeout", time.Second), ""},
		{option.Positive("WithTimeout", time.Duration(0)), "WithTimeout(0s): want more than 0s"},
		{option.Positive("WithTimeout", -time.Second), "WithTimeout(-1s): want more than 0s"},
		{option.Between("WithWorkers", 256, 1, 256), ""},
		{option.Between("WithWorkers", 0, 1, 256), "WithWorkers(0): want 1 to 256"},
		{option.Between("WithWorkers", 257, 1, 256), "WithWorkers(257): want 1 to 256"},
		{option.Invalid(`WithName("")`, "the name is empty"), `WithName(""): the name is empty`},
	}
	for _, c := range cases {
		if c.want == "" {
			assert.NoError(t, c.err)
			continue
		}
		assert.EqualError(t, c.err, c.want)
	}
}
