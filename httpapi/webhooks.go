package httpapi

import "net/http"

// webhookRoutes hands the routes of service subscriptions to the
// dispatcher's handler once the caller holds the role each needs, and
// adds their methods to allowed.
func (h *Handler) webhookRoutes(m *http.ServeMux, allowed map[string]string) {
	hooks := h.cfg.webhooks.Handler()
	read := func(w http.ResponseWriter, r *http.Request) {
		if _, ok := h.authorize(w, r, h.readers()...); ok {
			hooks.ServeHTTP(w, r)
		}
	}
	operate := func(w http.ResponseWriter, r *http.Request) {
		if _, ok := h.authorize(w, r, h.cfg.operatorRole); ok {
			hooks.ServeHTTP(w, r)
		}
	}
	m.HandleFunc("POST /subscriptions", operate)
	m.HandleFunc("GET /subscriptions/{id}", read)
	m.HandleFunc("PATCH /subscriptions/{id}", operate)
	m.HandleFunc("DELETE /subscriptions/{id}", operate)
	m.HandleFunc("POST /subscriptions/{id}/secret", operate)
	m.HandleFunc("GET /subscriptions/{id}/dead-letters", read)
	m.HandleFunc("POST /subscriptions/{id}/dead-letters/{event}/replay", operate)
	m.HandleFunc("DELETE /subscriptions/{id}/dead-letters/{event}", operate)
	allowed["/subscriptions"] = "GET, HEAD, POST"
	allowed["/subscriptions/{id}"] = "DELETE, GET, HEAD, PATCH"
	allowed["/subscriptions/{id}/secret"] = "POST"
	allowed["/subscriptions/{id}/dead-letters"] = "GET, HEAD"
	allowed["/subscriptions/{id}/dead-letters/{event}/replay"] = "POST"
	allowed["/subscriptions/{id}/dead-letters/{event}"] = "DELETE"
}
