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

type Sent struct {
	Text string `json:"text"`
}

func Example() {
	dir, err := os.MkdirTemp("", "herald-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	store, err := boltstore.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	registry, _ := herald.NewRegistry()
	if _, err := herald.Define[Sent](registry, "communication", "message", "sent"); err != nil {
		fmt.Println(err)
		return
	}
	publisher, err := herald.NewPublisher(store, nil, herald.WithRegistry(registry))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "jane.doe@example.com"})
	message := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	if _, err := publisher.PublishBatch(ctx, []herald.Event{
		{Aggregate: message, Name: "sent", Data: Sent{Text: "hey, how are you?"}},
		{Aggregate: message, Name: "liked"},
	}); err != nil {
		fmt.Println(err)
		return
	}

	for e, err := range store.ReadLog(ctx, 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := registry.Decode(&e); err != nil { // JSON into the defined type
			fmt.Println(err)
			return
		}
		fmt.Printf("%d %s revision %d by %s: %v\n",
			e.Metadata.Position, e.FullName(), e.Metadata.Revision, e.User.ID, e.Data)
	}
	// Output:
	// 1 communication.message.sent revision 1 by jane.doe@example.com: {hey, how are you?}
	// 2 communication.message.liked revision 2 by jane.doe@example.com: <nil>
}
