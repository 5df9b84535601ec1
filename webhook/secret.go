package webhook

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/internal/prefix"
)

// secretPrefix starts every secret in the Standard Webhooks format.
const secretPrefix = "whsec_"

// ErrSignature is returned by Verify when no signature of a request matches
// its secret, or the request lacks the headers a signature needs.
var ErrSignature = errors.New("signature mismatch")

// ErrTimestamp is returned by Verify when a request's timestamp is missing,
// malformed or outside the tolerance.
var ErrTimestamp = errors.New("timestamp out of tolerance")

// Secret is a signing key decoded from its "whsec_"+base64 form.
type Secret struct {
	key []byte
}

// ParseSecret decodes a secret written as "whsec_" followed by base64. It
// returns an error matching herald.ErrInvalid that names what was wrong.
func ParseSecret(s string) (Secret, error) {
	encoded, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return Secret{}, prefix.Errorf("webhook", "parse secret: does not start with %q: %w", secretPrefix, herald.ErrInvalid)
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return Secret{}, prefix.Errorf("webhook", "parse secret: not base64 after %q: %w: %w", secretPrefix, herald.ErrInvalid, err)
	}
	if len(key) == 0 {
		return Secret{}, prefix.Errorf("webhook", "parse secret: empty key: %w", herald.ErrInvalid)
	}
	return Secret{key: key}, nil
}

// String returns the secret in its "whsec_"+base64 form.
func (s Secret) String() string {
	return secretPrefix + base64.StdEncoding.EncodeToString(s.key)
}
