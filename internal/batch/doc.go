// Package batch holds the checks herald's stores run on a batch of events
// before they append it, where the herald.Store contract asks the same of
// each: that no id appears twice in one batch.
package batch
