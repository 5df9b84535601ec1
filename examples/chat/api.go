package main

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/httpapi"
	"github.com/herald-go/herald/push"
)

// newAPI is herald's HTTP API over the chat's publisher, which the
// server mounts at /api next to the page: GET /api/events queries the
// log and GET /api/events/log follows it, as
// "herald tail --url http://127.0.0.1:8080/api" does. Callers sign in
// with a bearer token (apiSignIn), so each sees the events their
// authorization allows: anonymous callers the messages sent and liked,
// which are public, and each author the stars on their messages too.
func newAPI(app *chatApp, pushServer *push.Server, logger *slog.Logger) (*httpapi.Handler, error) {
	return httpapi.New(app.publisher, httpapi.WithAuthenticator(apiSignIn), httpapi.WithBus(app.bus),
		httpapi.WithPush(pushServer), httpapi.WithLogger(logger))
}

// apiSignIn is the API's authenticator: the bearer token of a request is
// the name of its user, as "herald tail --token jane" sends it, and a
// request without one is anonymous. The chat trusts the name as the page
// does; an application checks its tokens here.
func apiSignIn(r *http.Request) (*herald.User, []string, error) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		return nil, nil, nil
	}
	if !userName.MatchString(token) {
		return nil, nil, errBadUser
	}
	return &herald.User{ID: token}, nil, nil
}
