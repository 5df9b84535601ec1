// Package webhook signs and verifies webhook deliveries per the Standard
// Webhooks specification.
//
// A request carries three headers: webhook-id (the event id, so a receiver
// can deduplicate), webhook-timestamp (Unix seconds) and webhook-signature, a
// space-separated list of "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
// Several signatures may be present while a secret is rotated; Verify accepts
// the request when any one of them matches. Secrets are "whsec_" followed by
// the base64 of the key, as the specification and its reference libraries
// write them.
//
// Where the specification leaves a choice open: Verify tolerates five minutes
// of clock difference either way unless told otherwise, compares signatures
// in constant time, and ignores signature versions other than v1.
package webhook
