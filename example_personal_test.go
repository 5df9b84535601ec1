package herald_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/store/memstore"
)

// A definition tags Email as personal: the store keeps it encrypted with
// a key of the event's user, and once the user is forgotten every read
// gives it as "" and the event as redacted.
func ExamplePublisher_ForgetUser() {
	type SignedUp struct {
		Email string `json:"email" herald:"personal"`
		Plan  string `json:"plan"`
	}
	registry, _ := herald.NewRegistry()
	_, _ = herald.Define[SignedUp](registry, "accounts", "account", "signedUp")
	store, _ := memstore.New()
	publisher, _ := herald.NewPublisher(store, nil, herald.WithRegistry(registry))

	ctx := herald.ContextWithUser(context.Background(), herald.User{ID: "user-42"})
	ref := herald.AggregateRef{Context: "accounts", Name: "account", ID: uuid.New()}
	_, _ = publisher.Publish(ctx, herald.Event{Aggregate: ref, Name: "signedUp", Data: SignedUp{Email: "jane@example.com", Plan: "pro"}})

	show := func() {
		for e, err := range store.ReadLog(context.Background(), 0) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("%d %s %+v redacted=%v\n", e.Metadata.Position, e.FullName(), e.Data, e.Metadata.Redacted)
		}
	}
	show()
	if _, err := publisher.ForgetUser(ctx, "user-42"); err != nil {
		fmt.Println(err)
		return
	}
	show()
	// Output:
	// 1 accounts.account.signedUp {Email:jane@example.com Plan:pro} redacted=false
	// 1 accounts.account.signedUp {Email: Plan:pro} redacted=true
	// 2 herald.user.deleted {UserID:user-42} redacted=false
}
