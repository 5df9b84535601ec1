package webhook_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/webhook"
)

// The example of the Standard Webhooks specification.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func specClock() time.Time { return time.Unix(specTimestamp, 0) }

func mustSecret(t testing.TB, s string) webhook.Secret {
	t.Helper()
	secret, err := webhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestSignMatchesSpecificationExample(t *testing.T) {
	header := webhook.Sign(specID, specClock(), []byte(specBody), mustSecret(t, specSecret))
	if got := header.Get(webhook.HeaderSignature); got != specSignature {
		t.Fatalf("signature = %q, want %q", got, specSignature)
	}
}

func TestVerifyAcceptsAnyOfSeveralSignatures(t *testing.T) {
	old := mustSecret(t, "whsec_b2xkLXNlY3JldA==")
	header := webhook.Sign(specID, specClock(), []byte(specBody), old, mustSecret(t, specSecret))
	for _, secret := range []string{specSecret, old.String()} {
		err := webhook.VerifyWith(secret, header, []byte(specBody), webhook.VerifyOptions{Now: specClock})
		if err != nil {
			t.Fatalf("secret %s: %v", secret, err)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	good := func() http.Header {
		return webhook.Sign(specID, specClock(), []byte(specBody), mustSecret(t, specSecret))
	}
	cases := []struct {
		name   string
		header func() http.Header
		body   string
		secret string
		want   error
	}{
		{"changed body", good, `{"test": 1}`, specSecret, webhook.ErrSignature},
		{"other secret", good, specBody, "whsec_b3RoZXI=", webhook.ErrSignature},
		{"no id", func() http.Header { h := good(); h.Del(webhook.HeaderID); return h }, specBody, specSecret, webhook.ErrSignature},
		{"other id", func() http.Header { h := good(); h.Set(webhook.HeaderID, "x"); return h }, specBody, specSecret, webhook.ErrSignature},
		{"v2 only", func() http.Header {
			h := good()
			h.Set(webhook.HeaderSignature, "v2"+h.Get(webhook.HeaderSignature)[2:])
			return h
		}, specBody, specSecret, webhook.ErrSignature},
		{"no timestamp", func() http.Header { h := good(); h.Del(webhook.HeaderTimestamp); return h }, specBody, specSecret, webhook.ErrTimestamp},
		{"old timestamp", func() http.Header {
			return webhook.Sign(specID, specClock().Add(-10*time.Minute), []byte(specBody), mustSecret(t, specSecret))
		}, specBody, specSecret, webhook.ErrTimestamp},
		{"future timestamp", func() http.Header {
			return webhook.Sign(specID, specClock().Add(10*time.Minute), []byte(specBody), mustSecret(t, specSecret))
		}, specBody, specSecret, webhook.ErrTimestamp},
		{"bad secret", good, specBody, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", herald.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := webhook.VerifyWith(c.secret, c.header(), []byte(c.body), webhook.VerifyOptions{Now: specClock})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestParseSecretRefuses(t *testing.T) {
	for _, s := range []string{"", "whsec_", "secret", "whsec_not base64!", "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		if _, err := webhook.ParseSecret(s); !errors.Is(err, herald.ErrInvalid) {
			t.Errorf("ParseSecret(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(specSignature, "1614265330", specBody)
	f.Add("v1,", "x", "")
	f.Add("v1,a v1,b", "-1", "{}")
	f.Fuzz(func(t *testing.T, signature, timestamp, body string) {
		header := http.Header{}
		header.Set(webhook.HeaderID, specID)
		header.Set(webhook.HeaderTimestamp, timestamp)
		header.Set(webhook.HeaderSignature, signature)
		err := webhook.VerifyWith(specSecret, header, []byte(body), webhook.VerifyOptions{Now: specClock})
		if err == nil && (signature != specSignature || body != specBody) {
			t.Fatalf("accepted forged request %q %q %q", signature, timestamp, body)
		}
	})
}
