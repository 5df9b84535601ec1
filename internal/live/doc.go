// Package live holds the buffer between a bus and a consumer that follows
// it after reading the store: durable subscriptions and projections.
package live
