// Command quickstart is the README's quick start: one aggregate, one
// subscription, one event.
package main
