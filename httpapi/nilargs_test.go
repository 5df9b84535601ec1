package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/internal/nilargs"
	"github.com/herald-go/herald/store/memstore"
)

// TestNilAndZeroArguments calls New and the options with nil and zero
// arguments, and ServeHTTP with a request without a URL: none panics,
// bad input is an error matching herald.ErrInvalid (a 400 answer for the
// request), and zero input that is valid gives what the documentation
// says.
func TestNilAndZeroArguments(t *testing.T) {
	store, err := memstore.New()
	require.NoError(t, err)
	p, err := herald.NewPublisher(store, nil)
	require.NoError(t, err)
	newWith := func(opts ...httpapi.Option) func(*testing.T) error {
		return func(*testing.T) error { _, err := httpapi.New(p, opts...); return err }
	}
	nilargs.Run(t, []nilargs.Case{
		{Name: "New(nil)", Call: func(*testing.T) error { _, err := httpapi.New(nil); return err }, Want: herald.ErrInvalid, Names: "publisher"},
		{Name: "New(p) with a nil option is New(p)", Call: newWith(nil)},
		{Name: "WithAuthenticator(nil)", Call: newWith(httpapi.WithAuthenticator(nil)), Want: herald.ErrInvalid, Names: "WithAuthenticator"},
		{Name: `WithSenderRole("")`, Call: newWith(httpapi.WithSenderRole("")), Want: herald.ErrInvalid, Names: "WithSenderRole"},
		{Name: `WithReaderRole("")`, Call: newWith(httpapi.WithReaderRole("")), Want: herald.ErrInvalid, Names: "WithReaderRole"},
		{Name: `WithOperatorRole("")`, Call: newWith(httpapi.WithOperatorRole("")), Want: herald.ErrInvalid, Names: "WithOperatorRole"},
		{Name: "WithMaxBody(0)", Call: newWith(httpapi.WithMaxBody(0)), Want: herald.ErrInvalid, Names: "WithMaxBody"},
		{Name: "WithPollInterval(0)", Call: newWith(httpapi.WithPollInterval(0)), Want: herald.ErrInvalid, Names: "WithPollInterval"},
		{Name: "WithConsumers(nil)", Call: newWith(httpapi.WithConsumers(nil)), Want: herald.ErrInvalid, Names: "WithConsumers"},
		{Name: "WithConsumers() lists none", Call: newWith(httpapi.WithConsumers())},
		{Name: "WithPush(nil) serves no streams", Call: newWith(httpapi.WithPush(nil))},
		{Name: "WithWebhooks(nil)", Call: newWith(httpapi.WithWebhooks(nil)), Want: herald.ErrInvalid, Names: "WithWebhooks"},
		{Name: "WithStore(nil) reads the publisher's store", Call: newWith(httpapi.WithStore(nil))},
		{Name: "WithBus(nil) reports no subscriptions", Call: newWith(httpapi.WithBus(nil))},
		{Name: "WithLogger(nil) is silent", Call: newWith(httpapi.WithLogger(nil))},
		{Name: "ServeHTTP without a URL answers 400", Call: func(t *testing.T) error {
			h, err := httpapi.New(p)
			require.NoError(t, err)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, &http.Request{Method: http.MethodGet})
			assert.Equal(t, http.StatusBadRequest, w.Code)
			return nil
		}},
	})
}
