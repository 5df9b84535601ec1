package webhook

import (
	"net/url"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// Service is the receiver a subscription delivers to: Name is its URL, and
// Version the semantic version of the service it names.
type Service struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Validate returns an error matching herald.ErrInvalid when Name is not an
// absolute http or https URL with a host.
func (s Service) Validate() error {
	u, err := url.Parse(s.Name)
	if err != nil {
		return prefix.Errorf("webhook", "check service: name %q is not a URL: %w: %w", s.Name, herald.ErrInvalid, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return prefix.Errorf("webhook", "check service: name %q is not an http(s) URL: %w", s.Name, herald.ErrInvalid)
	}
	if u.Host == "" {
		return prefix.Errorf("webhook", "check service: name %q has no host: %w", s.Name, herald.ErrInvalid)
	}
	return nil
}
