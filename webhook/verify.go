package webhook

import (
	"crypto/hmac"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/herald-go/herald/internal/prefix"
)

// DefaultTolerance is how far a request's timestamp may be from the
// receiver's clock, either way, when VerifyOptions leaves it zero.
const DefaultTolerance = 5 * time.Minute

// VerifyOptions tunes VerifyWith. The zero value means the defaults.
type VerifyOptions struct {
	// Tolerance is the accepted clock difference; zero means DefaultTolerance.
	Tolerance time.Duration
	// Now is the receiver's clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks that header signs body with secret (in "whsec_"+base64 form)
// and that its timestamp is within DefaultTolerance of now. It returns nil,
// or an error matching ErrSignature, ErrTimestamp or herald.ErrInvalid (for a
// malformed secret).
func Verify(secret string, header http.Header, body []byte) error {
	return VerifyWith(secret, header, body, VerifyOptions{})
}

// VerifyWith is Verify with a tolerance and clock of its own.
func VerifyWith(secret string, header http.Header, body []byte, opts VerifyOptions) error {
	key, err := ParseSecret(secret)
	if err != nil {
		return err
	}
	id, timestamp := header.Get(HeaderID), header.Get(HeaderTimestamp)
	if id == "" {
		return prefix.Errorf("webhook", "verify: no %s header: %w", HeaderID, ErrSignature)
	}
	if err := checkTimestamp(timestamp, opts); err != nil {
		return err
	}
	want := []byte(signature(key, id, timestamp, body))
	for _, candidate := range strings.Fields(header.Get(HeaderSignature)) {
		version, sig, ok := strings.Cut(candidate, ",")
		if ok && version == "v1" && hmac.Equal([]byte(sig), want) {
			return nil
		}
	}
	return prefix.Errorf("webhook", "verify: no v1 signature matches: %w", ErrSignature)
}

// checkTimestamp refuses a timestamp that is not Unix seconds or is further
// from now than the tolerance.
func checkTimestamp(timestamp string, opts VerifyOptions) error {
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return prefix.Errorf("webhook", "verify: %s %q is not Unix seconds: %w", HeaderTimestamp, timestamp, ErrTimestamp)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	tolerance := opts.Tolerance
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	diff := now().Sub(time.Unix(seconds, 0))
	if diff > tolerance || diff < -tolerance {
		return prefix.Errorf("webhook", "verify: %s is %s from now: %w", HeaderTimestamp, diff.Round(time.Second), ErrTimestamp)
	}
	return nil
}
