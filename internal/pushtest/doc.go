// Package pushtest sets up what the tests of push's transports share: a
// publisher on memstore and membus, a push server with the streams the
// tests open, an authenticator that believes the user query parameter,
// and helpers that publish and wait. It serves no transport itself: each
// transport's test mounts its own handler.
package pushtest
