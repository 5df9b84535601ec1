package membus

// SubscriptionInfo describes one subscription at the moment
// Bus.Subscriptions was called.
type SubscriptionInfo struct {
	// Name is the subscription's name.
	Name string
	// Events is its filter, the patterns comma-separated ("*.*.*" for
	// every event).
	Events string
	// Sync reports whether it is handled inside Publish.
	Sync bool
	// Delivered counts the events its handler handled without an error.
	Delivered uint64
	// Failed counts the events handed to the dead-letter function: the
	// handler failed or panicked, or Close gave up before handling them.
	Failed uint64
	// Pending counts the events queued for it, or being handled, and not
	// yet delivered or failed.
	Pending uint64
}

// Subscriptions describes the bus's subscriptions in the order they were
// added, with counters read atomically one by one (so they may be a moment
// apart). After Close it describes the subscriptions the bus had.
func (b *Bus) Subscriptions() []SubscriptionInfo {
	subs := *b.subs.Load()
	infos := make([]SubscriptionInfo, len(subs))
	for i, s := range subs {
		infos[i] = SubscriptionInfo{
			Name:      s.name,
			Events:    s.match.String(),
			Sync:      s.sync,
			Pending:   s.pending(),
			Delivered: s.delivered.Load(),
			Failed:    s.failed.Load(),
		}
	}
	return infos
}
