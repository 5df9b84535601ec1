package projection_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/uuid"
	"github.com/herald-go/herald"
	"github.com/herald-go/herald/bus/membus"
	"github.com/herald-go/herald/projection"
	"github.com/herald-go/herald/store/boltstore"
	"github.com/herald-go/herald/store/memstore"
	bolt "go.etcd.io/bbolt"
)

// A read model in memory: the texts of each conversation. Handlers run
// one at a time on the projection's goroutine; after Wait the model can
// be read.
func ExampleNew() {
	type Sent struct{ Text string }
	store, _ := memstore.New()
	bus, _ := membus.New()
	publisher, _ := herald.NewPublisher(store, bus)

	texts := make(map[uuid.UUID][]string)
	p, err := projection.New(projection.Config[map[uuid.UUID][]string]{
		Name: "texts", Store: store, Bus: bus,
		Model: projection.Memory(texts),
		Handlers: []projection.Handler[map[uuid.UUID][]string]{
			projection.On("communication.message.sent",
				func(_ context.Context, m map[uuid.UUID][]string, e herald.Event, d Sent) error {
					m[e.Aggregate.ID] = append(m[e.Aggregate.ID], d.Text)
					return nil
				}),
		},
		Reset: func(_ context.Context, m map[uuid.UUID][]string) error { clear(m); return nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go p.Run(ctx)

	chat := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	var last herald.Event
	for _, text := range []string{"hey", "how are you?"} {
		last, _ = publisher.Publish(ctx, herald.Event{Aggregate: chat, Name: "sent", Data: Sent{Text: text}})
	}
	if err := p.Wait(ctx, last.Metadata.Position); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(texts[chat.ID])
	// Output: [hey how are you?]
}

// A read model in the store's bbolt file: the count of messages of each
// conversation, kept with the checkpoint in one transaction, exactly once.
// Restarted, the projection goes on from its checkpoint.
func ExampleBolt() {
	type Sent struct{ Text string }
	dir, _ := os.MkdirTemp("", "herald")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "chat.db")
	chat := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	count := func(_ context.Context, tx *bolt.Tx, e herald.Event, _ Sent) error {
		b, err := tx.CreateBucketIfNotExists([]byte("counts"))
		if err != nil {
			return err
		}
		var n uint64
		if v := b.Get(e.Aggregate.ID[:]); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		return b.Put(e.Aggregate.ID[:], binary.BigEndian.AppendUint64(nil, n+1))
	}

	for session := 1; session <= 2; session++ {
		store, err := boltstore.Open(path)
		if err != nil {
			fmt.Println(err)
			return
		}
		publisher, _ := herald.NewPublisher(store, nil)
		p, err := projection.New(projection.Config[*bolt.Tx]{
			Name: "counts", Store: store, Model: projection.Bolt(store.DB()),
			Handlers: []projection.Handler[*bolt.Tx]{projection.On("communication.message.sent", count)},
			Reset:    projection.DeleteBuckets("counts"),
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		last, _ := publisher.Publish(context.Background(), herald.Event{Aggregate: chat, Name: "sent", Data: Sent{Text: "hey"}})
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- p.Run(ctx) }()
		_ = p.Wait(ctx, last.Metadata.Position)
		stop()
		<-done
		_ = store.DB().View(func(tx *bolt.Tx) error {
			fmt.Printf("session %d: count %d\n", session, binary.BigEndian.Uint64(tx.Bucket([]byte("counts")).Get(chat.ID[:])))
			return nil
		})
		store.Close()
	}
	// Output:
	// session 1: count 1
	// session 2: count 2
}

// A flow that features a message once it is liked three times. The
// featured event is caused by the like the flow reacted to.
func ExampleNewFlow() {
	type (
		Liked    struct{}
		Featured struct{}
	)
	type Message struct {
		herald.AggregateBase
		Likes    int
		Featured bool
	}
	newMessage := func() *Message {
		m := &Message{}
		herald.Apply(m, "liked", func(Liked) { m.Likes++ })
		herald.Apply(m, "featured", func(Featured) { m.Featured = true })
		return m
	}
	store, _ := memstore.New()
	bus, _ := membus.New()
	publisher, _ := herald.NewPublisher(store, bus)
	messages, _ := herald.NewRepository(publisher, "communication", "message", newMessage)

	f, err := projection.NewFlow(projection.FlowConfig{
		Name: "featuring", Store: store, Bus: bus,
		Reactions: []projection.Reaction{
			projection.When("communication.message.liked", func(ctx context.Context, e herald.Event, _ Liked) error {
				_, err := messages.Use(ctx, e.Aggregate.ID, func(m *Message) error {
					if m.Likes < 3 || m.Featured {
						return nil
					}
					return m.Publish("featured", Featured{})
				})
				return err
			}),
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go f.Run(ctx)

	msg := herald.AggregateRef{Context: "communication", Name: "message", ID: uuid.New()}
	for range 3 {
		_, _ = messages.Use(ctx, msg.ID, func(m *Message) error { return m.Publish("liked", Liked{}) })
		stats, _ := store.Stats(ctx)
		_ = f.Wait(ctx, stats.Head) // one like at a time
	}
	var stream []herald.Event
	for e, err := range store.ReadStream(ctx, msg, 0, 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		stream = append(stream, e)
	}
	for _, e := range stream {
		fmt.Println(e.Name, e.Metadata.Revision)
	}
	featured := stream[3]
	fmt.Println("caused by the third like:", featured.Metadata.CausationID == stream[2].ID)
	// Output:
	// liked 1
	// liked 2
	// liked 3
	// featured 4
	// caused by the third like: true
}
