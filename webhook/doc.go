// Package webhook delivers a herald log to other services as signed
// webhooks, and signs and verifies them per the Standard Webhooks
// specification.
//
// A [Dispatcher] keeps service subscriptions — {id, service {name (a URL),
// version}, eventTypes, secret} — in the application's store (a
// [github.com/herald-go/herald/driver.SubscriptionStore]: memstore,
// boltstore and pgstore are), so they outlast a restart, and POSTs each
// matching event to its service as the event's JSON envelope. Each
// subscription is a durable consumer of the log
// ([github.com/herald-go/herald/engine]) with its own checkpoint and dead
// letters: at least once, in position order, resumed after a restart
// without a loss. A failed delivery is retried on a schedule (Svix's by
// default, [DefaultSchedule]), then kept as a dead letter with the
// receiver's last status and an excerpt of its answer; a 410 Gone pauses
// the subscription. Each request has a timeout ([DefaultTimeout]), is not
// redirected, and with [WithDenyPrivate] never reaches a private or
// loopback address. Every subscription runs on a goroutine of its own,
// and the bus only hands it events without waiting, so a slow or failing
// receiver holds back neither the others nor the publisher.
// [Dispatcher.Subscriptions] tells how each goes, and
// [Dispatcher.Handler] serves them over HTTP
// (github.com/herald-go/herald/httpapi.WithWebhooks mounts it).
//
// A request carries three headers: webhook-id (the event id, so a receiver
// can deduplicate), webhook-timestamp (Unix seconds) and webhook-signature, a
// space-separated list of "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
// Several signatures may be present while a secret is rotated; [Verify]
// accepts the request when any one of them matches. Secrets are "whsec_"
// followed by the base64 of the key, as the specification and its reference
// libraries write them.
//
// Where the specification leaves a choice open: Verify tolerates five minutes
// of clock difference either way unless told otherwise, compares signatures
// in constant time, and ignores signature versions other than v1.
package webhook
