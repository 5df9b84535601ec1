package boltstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/boltstore"
)

// Forgetting a user for good: ForgetUser deletes the user's key, so every
// read gives their personal fields as ""; Compact, on the closed file,
// rewrites it without the pages that held the key.
func ExampleCompact() {
	type Joined struct {
		Email string `json:"email" herald:"personal"`
	}
	dir, _ := os.MkdirTemp("", "herald-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.db")
	registry, _ := herald.NewRegistry()
	_, _ = herald.Define[Joined](registry, "club", "member", "joined")

	store, err := boltstore.Open(path, boltstore.WithRegistry(registry))
	if err != nil {
		fmt.Println(err)
		return
	}
	publisher, _ := herald.NewPublisher(store, nil)
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "user-7"})
	ref := herald.AggregateRef{Context: "club", Name: "member", ID: uuid.New()}
	_, _ = publisher.Publish(ctx, herald.Event{Aggregate: ref, Name: "joined", Data: Joined{Email: "jo@example.com"}})
	if _, err := publisher.ForgetUser(ctx, "user-7"); err != nil {
		fmt.Println(err)
		return
	}
	_ = store.Close()

	if err := boltstore.Compact(context.Background(), path); err != nil {
		fmt.Println(err)
		return
	}
	store, _ = boltstore.Open(path, boltstore.WithRegistry(registry))
	defer store.Close()
	for e, err := range store.ReadStream(context.Background(), ref, 0, 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%+v redacted=%v\n", e.Data, e.Metadata.Redacted)
	}
	// Output: {Email:} redacted=true
}
