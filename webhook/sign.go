package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the Standard Webhooks specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Sign returns the headers that sign body as message id at time at with each
// of the secrets, one v1 signature per secret, so a receiver holding either
// the old or the new secret of a rotation accepts the request.
func Sign(id string, at time.Time, body []byte, secrets ...Secret) http.Header {
	timestamp := strconv.FormatInt(at.Unix(), 10)
	signatures := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		signatures = append(signatures, "v1,"+signature(secret, id, timestamp, body))
	}
	header := http.Header{}
	header.Set(HeaderID, id)
	header.Set(HeaderTimestamp, timestamp)
	header.Set(HeaderSignature, strings.Join(signatures, " "))
	return header
}

// signature is the base64 HMAC-SHA256 of id.timestamp.body under secret.
func signature(secret Secret, id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, secret.key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
