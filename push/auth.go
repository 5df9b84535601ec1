package push

import (
	"net/http"

	"github.com/herald-go/herald"
)

// Authenticator tells who sent a request: the signed-in user and the roles
// they hold. A nil user (or one with an empty ID) is anonymous; an error
// means the request carried credentials that do not hold, and is answered
// 401 Unauthorized even on a public stream; its text is logged, not sent.
// It is called once per request, on the request's goroutine, and must be
// safe for concurrent use.
type Authenticator func(r *http.Request) (user *herald.User, roles []string, err error)

// Anonymous is the default Authenticator: it reads nothing from the
// request, and treats everyone as anonymous without roles.
func Anonymous(*http.Request) (*herald.User, []string, error) { return nil, nil, nil }

// access is what a client may do, decided once per request.
type access int

const (
	accessGranted   access = iota
	accessSignIn           // 401: not signed in, and the stream wants a role
	accessForbidden        // 403: signed in, without a role of the stream
)

// mayOpen decides whether a client may open s: anyone when it is public,
// else a client holding one of its roles.
func (s *stream) mayOpen(user *herald.User, roles []string) access {
	if s.def.PublicSubscribe {
		return accessGranted
	}
	for _, r := range roles {
		if _, ok := s.roles[r]; ok {
			return accessGranted
		}
	}
	if user == nil {
		return accessSignIn
	}
	return accessForbidden
}

// authenticate calls auth, turning a panic into an error, and makes a user
// without an id anonymous.
func authenticate(auth Authenticator, r *http.Request) (user *herald.User, roles []string, panicked bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			user, roles, panicked, err = nil, nil, true, errorf("authenticator panicked: %v", p)
		}
	}()
	user, roles, err = auth(r)
	if user != nil && user.ID == "" {
		user = nil
	}
	return user, roles, false, err
}
