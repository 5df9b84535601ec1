// Package retry is how herald's consumers (the membus bus, durable
// subscriptions, projections and flows) try a failed call again and give
// up on it.
//
// A [Backoff] is the waits between attempts that a herald.RetryPolicy
// describes, with the state of those waits; [Backoff.Do] and
// [Backoff.Retry] call an attempt until it succeeds, the policy's attempts
// are used up, or the consumer stops, and say which in a [Result].
// [DeadLetter] hands an event given up on to the application's dead-letter
// function, with the same panic handling for every consumer.
//
// The package cannot import herald, which imports it: callers pass a
// resolved policy's fields, and their attempts turn panics into errors
// (driver.SafeHandle).
package retry
