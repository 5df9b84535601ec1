package main

import (
	"log/slog"

	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/push"
)

// newAPI is herald's HTTP API over the chat's publisher, which the
// server mounts at /api next to the page: GET /api/events queries the
// log and GET /api/events/log follows it, as
// "herald tail --url http://127.0.0.1:8080/api" does. It signs callers in
// as the push stream does (signIn), so each sees the events their
// authorization allows; the API refuses query parameters it does not
// know, so its callers are anonymous there, and see the messages sent
// and liked, which are public, but no star.
func newAPI(app *chatApp, pushServer *push.Server, logger *slog.Logger) (*httpapi.Handler, error) {
	return httpapi.New(app.publisher, httpapi.WithAuthenticator(signIn), httpapi.WithBus(app.bus),
		httpapi.WithPush(pushServer), httpapi.WithLogger(logger))
}
