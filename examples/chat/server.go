package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/push"
	"github.com/herald-go/herald/push/pushws"
)

// page is the chat's web page.
//
//go:embed page/index.html
var page []byte

// chatStream is the push stream the page listens to: every message event,
// open to everyone; each event still goes only to the users its
// authorization allows, so a star reaches only the message's author.
var chatStream = push.Stream{
	ID:              "chat",
	Name:            "Chat",
	Description:     "The chat's messages as they are sent, liked and starred.",
	PublicSubscribe: true,
	Events:          []push.StreamEvent{{Name: "communication.message.*"}},
}

// userName is what the example's sign-in accepts as a user name.
var userName = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// errBadUser is the sign-in's answer to a malformed user name.
var errBadUser = errors.New("a user name is 1 to 64 lowercase letters, digits and . _ @ -")

// signIn is the example's sign-in, an authenticator that believes the user
// query parameter: ?user=jane is jane, and no parameter is anonymous. A
// real application reads a session cookie or a token instead.
func signIn(r *http.Request) (*herald.User, []string, error) {
	name := r.URL.Query().Get("user")
	if name == "" {
		return nil, nil, nil
	}
	if !userName.MatchString(name) {
		return nil, nil, errBadUser
	}
	return &herald.User{ID: name}, nil, nil
}

// serve serves the chat's page, its commands and its push stream on ln
// until ctx ends, then closes the push server and shuts the HTTP server
// down. It closes ln.
func serve(ctx context.Context, ln net.Listener, app *chatApp, logger *slog.Logger) error {
	pushServer, err := push.New(ctx, app.store, app.bus,
		push.WithAuthenticator(signIn), push.WithRegistry(app.registry), push.WithLogger(logger))
	if err != nil {
		ln.Close()
		return err
	}
	if err := pushServer.Register(chatStream); err != nil {
		ln.Close()
		return errors.Join(err, pushServer.Close(context.Background()))
	}
	api, err := newAPI(app, pushServer, logger)
	if err != nil {
		ln.Close()
		return errors.Join(err, pushServer.Close(context.Background()))
	}
	server := &http.Server{
		Handler:           newHandler(app.repo, pushServer, api),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(discardHandler(logger), slog.LevelError),
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The push streams never end on their own: close them before Shutdown
	// waits for every request to finish.
	err = errors.Join(pushServer.Close(closing), server.Shutdown(closing))
	if serveErr == nil {
		serveErr = <-served
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, err)
}

// discardHandler is logger's handler, or one that drops everything when
// logger is nil.
func discardHandler(logger *slog.Logger) slog.Handler {
	if logger == nil {
		return slog.DiscardHandler
	}
	return logger.Handler()
}

// newHandler routes the chat's requests:
//
//	GET  /                      the page
//	POST /messages              send {"text": "…"}; answers {"id": "…"}
//	POST /messages/{id}/like    like a message
//	POST /messages/{id}/star    star a message, for the sender only
//	GET  /push/streams/chat     the push stream of the chat's events
//	GET  /push/ws/chat          the same stream over WebSocket
//	     /api/...               herald's HTTP API (newAPI)
//
// The commands take the user from the same user query parameter as the
// stream, and refuse anonymous requests.
func newHandler(repo *herald.Repository[*Message], pushServer *push.Server, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(page)
	})
	mux.Handle("/push/", http.StripPrefix("/push", pushServer))
	mux.Handle("/push/ws/", http.StripPrefix("/push/ws/", pushws.New(pushServer, nil)))
	mux.Handle("/api/", http.StripPrefix("/api", api))
	mux.HandleFunc("POST /messages", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("the body must be {\"text\": \"…\"}: %w", err))
			return
		}
		ref := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
		command(w, r, repo, ref, func(m *Message) error { return m.Send(body.Text) })
	})
	mux.HandleFunc("POST /messages/{id}/like", func(w http.ResponseWriter, r *http.Request) {
		if ref, ok := messageRef(w, r); ok {
			command(w, r, repo, ref, (*Message).Like)
		}
	})
	mux.HandleFunc("POST /messages/{id}/star", func(w http.ResponseWriter, r *http.Request) {
		if ref, ok := messageRef(w, r); ok {
			command(w, r, repo, ref, (*Message).Star)
		}
	})
	return mux
}

// messageRef reads the message of a request's path, or answers 404.
func messageRef(w http.ResponseWriter, r *http.Request) (herald.AggregateRef, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, errNoMessage)
		return herald.AggregateRef{}, false
	}
	return herald.AggregateRef{Context: "communication", Name: "message", ID: id}, true
}

// command runs a command on the message ref as the request's user and
// answers {"id": "…", "revision": n}.
func command(w http.ResponseWriter, r *http.Request, repo *herald.Repository[*Message], ref herald.AggregateRef, run func(*Message) error) {
	user, _, err := signIn(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	if user == nil {
		writeError(w, http.StatusUnauthorized, errors.New("sign in with ?user=jane or ?user=john"))
		return
	}
	m, err := repo.Use(herald.ContextWithUser(r.Context(), *user), ref.ID, run)
	switch {
	case err == nil:
	case errors.Is(err, errNoMessage):
		writeError(w, http.StatusNotFound, err)
		return
	case errors.Is(err, errAlreadySent):
		writeError(w, http.StatusConflict, err)
		return
	case errors.Is(err, herald.ErrInvalid):
		writeError(w, http.StatusBadRequest, err)
		return
	default:
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": ref.ID, "revision": m.Revision()})
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
