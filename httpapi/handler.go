package httpapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/engine"
	"github.com/herald-go/herald/internal/option"
	"github.com/herald-go/herald/internal/prefix"
	"github.com/herald-go/herald/push"
)

// Consumer is a durable consumer of the log that GET /consumers reports:
// a projection, a flow or a durable subscription.
type Consumer interface {
	// Name identifies the consumer.
	Name() string
	// Status describes it now.
	Status(ctx context.Context) (engine.Status, error)
}

// DeadLetterConsumer is a Consumer that keeps dead letters and can replay
// or discard them, as durable.Subscription does.
type DeadLetterConsumer interface {
	Consumer
	// DeadLetters lists its dead letters in the order of their events'
	// positions.
	DeadLetters(ctx context.Context) ([]herald.DeadLetter, error)
	// Replay hands the dead letter of the event id to it again, and
	// removes the letter when it is handled; an unknown id is an error
	// matching herald.ErrNotFound.
	Replay(ctx context.Context, id uuid.UUID) error
	// Discard removes the dead letter of the event id; an unknown id is
	// an error matching herald.ErrNotFound.
	Discard(ctx context.Context, id uuid.UUID) error
}

// Handler is the HTTP API over a publisher, its store and registry, and
// the bus, consumers and push server it is given. It is an http.Handler,
// safe for concurrent use; mount it under a prefix with http.StripPrefix.
// The package overview lists its routes.
type Handler struct {
	cfg       config
	publisher *herald.Publisher
	store     herald.Store
	registry  *herald.Registry
	consumers map[string]Consumer
	mux       *http.ServeMux
}

// New returns the API over p. A nil p, an invalid option, or two consumers
// of one name is an error matching herald.ErrInvalid.
func New(p *herald.Publisher, options ...Option) (*Handler, error) {
	if p == nil {
		return nil, prefix.Errorf("httpapi", "new: the publisher is nil: %w", herald.ErrInvalid)
	}
	c := config{auth: push.Anonymous, senderRole: DefaultSenderRole, readerRole: DefaultReaderRole,
		operatorRole: DefaultOperatorRole, maxBody: DefaultMaxBody, poll: DefaultPollInterval}
	if err := option.Apply(&c, options, "httpapi", "new", herald.ErrInvalid); err != nil {
		return nil, err
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: c, publisher: p, store: cmp.Or[herald.Store](c.store, p.Store()),
		registry: p.Registry(), consumers: make(map[string]Consumer, len(c.consumers))}
	for _, k := range c.consumers {
		if _, twice := h.consumers[k.Name()]; twice {
			return nil, prefix.Errorf("httpapi", "new: two consumers named %q: %w", k.Name(), herald.ErrInvalid)
		}
		h.consumers[k.Name()] = k
	}
	h.mux = h.routes()
	return h, nil
}

// routes registers every route, and for each path a fallback that answers
// the methods it does not serve with 405.
func (h *Handler) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /events", h.postEvents)
	m.HandleFunc("GET /events", h.getEvents)
	m.HandleFunc("GET /events/stats", h.getStats)
	m.HandleFunc("GET /events/log", h.getLog)
	m.HandleFunc("GET /definitions", h.getDefinitions)
	m.HandleFunc("GET /subscriptions", h.getSubscriptions)
	m.HandleFunc("GET /consumers", h.getConsumers)
	m.HandleFunc("GET /consumers/{name}/dead-letters", h.getDeadLetters)
	m.HandleFunc("POST /consumers/{name}/dead-letters/{id}/replay", h.replayDeadLetter)
	m.HandleFunc("DELETE /consumers/{name}/dead-letters/{id}", h.discardDeadLetter)
	m.HandleFunc("GET /openapi.json", serveOpenAPI)
	allowed := map[string]string{
		"/events": "GET, HEAD, POST", "/events/stats": "GET, HEAD", "/events/log": "GET, HEAD",
		"/definitions": "GET, HEAD", "/subscriptions": "GET, HEAD", "/consumers": "GET, HEAD",
		"/consumers/{name}/dead-letters": "GET, HEAD", "/consumers/{name}/dead-letters/{id}/replay": "POST",
		"/consumers/{name}/dead-letters/{id}": "DELETE", "/openapi.json": "GET, HEAD",
	}
	if h.cfg.webhooks != nil {
		h.webhookRoutes(m, allowed)
	}
	for path, allow := range allowed {
		m.HandleFunc(path, methodNotAllowed(allow))
	}
	if h.cfg.push != nil {
		m.Handle("/streams/", h.cfg.push)
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, &problem{Status: http.StatusNotFound, Type: typeNotFound,
			Detail: "no route for " + r.Method + " " + r.URL.Path})
	})
	return m
}

// ServeHTTP answers the request as the package overview describes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r == nil || r.URL == nil {
		writeProblem(w, &problem{Status: http.StatusBadRequest, Type: typeInvalidRequest, Detail: "the request has no URL"})
		return
	}
	h.mux.ServeHTTP(w, r)
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblem(w, &problem{Status: http.StatusMethodNotAllowed, Type: typeMethodNotAllowed,
			Detail: r.Method + " " + r.URL.Path + " is not served; allowed: " + allow})
	}
}
