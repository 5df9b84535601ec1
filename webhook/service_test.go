package webhook_test

import (
	"errors"
	"testing"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/webhook"
)

func TestServiceValidate(t *testing.T) {
	for _, name := range []string{"http://a.example/hook", "https://a.example:8443/"} {
		if err := (webhook.Service{Name: name, Version: "1.0.0"}).Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"", "ftp://a.example/", "file:///etc/passwd", "a.example/hook", "http://", "http://%zz"} {
		if err := (webhook.Service{Name: name}).Validate(); !errors.Is(err, herald.ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", name, err)
		}
	}
}
