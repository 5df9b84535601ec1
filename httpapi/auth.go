package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/excerpt"
)

// caller is who sent a request, as the authenticator said.
type caller struct {
	user  *herald.User
	roles []string
	// reader is set when the caller holds the reader or operator role:
	// it sees every event.
	reader bool
}

// sees reports whether c may receive e: a reader always, anyone else
// when e's authorization allows their user, as push decides for its
// streams ([herald.Authorization.Allows]).
func (c *caller) sees(e *herald.Event) bool {
	return c.reader || e.Metadata.Authorization.Allows(c.user)
}

func (c *caller) holds(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(c.roles, r) {
			return true
		}
	}
	return false
}

// authenticate asks the authenticator who sent r. When it fails, it
// answers 401 (500 when it panicked) and returns false.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	user, roles, err := h.callAuthenticator(r)
	if err != nil {
		h.cfg.logger.LogAttrs(r.Context(), slog.LevelInfo, "httpapi: authentication failed",
			slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr), slog.Any("error", err))
		writeProblem(w, unauthorized("the credentials were refused"))
		return nil, false
	}
	if user != nil && user.ID == "" {
		user = nil
	}
	c := &caller{user: user, roles: roles}
	c.reader = c.holds(h.cfg.readerRole, h.cfg.operatorRole)
	return c, true
}

// callAuthenticator calls the authenticator, turning a panic into an
// error.
func (h *Handler) callAuthenticator(r *http.Request) (user *herald.User, roles []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			user, roles, err = nil, nil, fmt.Errorf("the authenticator panicked: %v", p)
		}
	}()
	return h.cfg.auth(r)
}

// authorize authenticates r and checks that the caller holds one of
// roles: it answers 401 to an anonymous caller (no user, no roles), 403
// to any other without one of roles, and returns false then.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request, roles ...string) (*caller, bool) {
	c, ok := h.authenticate(w, r)
	if !ok {
		return nil, false
	}
	if len(roles) == 0 || c.holds(roles...) {
		return c, true
	}
	if c.user == nil && len(c.roles) == 0 {
		writeProblem(w, unauthorized(fmt.Sprintf("sign in with the role %q", roles[0])))
		return nil, false
	}
	who := "the caller"
	if c.user != nil {
		who = "user " + excerpt.Quote(c.user.ID)
	}
	writeProblem(w, &problem{Status: http.StatusForbidden, Type: typeForbidden,
		Detail: fmt.Sprintf("%s holds none of the roles %q", who, roles)})
	return nil, false
}

// readers are the roles that may read the operational routes.
func (h *Handler) readers() []string { return []string{h.cfg.readerRole, h.cfg.operatorRole} }
