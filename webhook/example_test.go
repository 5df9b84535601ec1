package webhook_test

import (
	"fmt"
	"time"

	"github.com/herald-go/herald/webhook"
)

func Example() {
	secret, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		fmt.Println(err)
		return
	}
	body := []byte(`{"name":"messageSent"}`)
	header := webhook.Sign("7f1c7d4e-0000-4000-8000-000000000001", time.Now(), body, secret)
	fmt.Println(webhook.Verify(secret.String(), header, body))
	fmt.Println(webhook.Verify(secret.String(), header, []byte(`{"name":"forged"}`)))
	// Output:
	// <nil>
	// webhook: verify: no v1 signature matches: signature mismatch
}
