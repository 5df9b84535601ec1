package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/herald-go/herald"
	"github.com/herald-go/herald/projection"
	bolt "go.etcd.io/bbolt"
)

// messagesBucket is the bucket of the bbolt file that holds the read model
// of messages on boltstore: a JSON messageView under each message's id.
var messagesBucket = []byte("messages")

// newMessagesProjection makes the read model of messages on boltstore: a
// projection named messages that writes messagesBucket in the store's
// bbolt file, in the transaction that saves its checkpoint, so it resumes
// where it stopped, each event applied exactly once.
func newMessagesProjection(app *chatApp, model projection.Model[*bolt.Tx]) (*projection.Projection[*bolt.Tx], error) {
	update := func(tx *bolt.Tx, e herald.Event, change func(*messageView)) error {
		b, err := tx.CreateBucketIfNotExists(messagesBucket)
		if err != nil {
			return err
		}
		var v messageView
		if data := b.Get(e.Aggregate.ID[:]); data != nil {
			if err := json.Unmarshal(data, &v); err != nil {
				return err
			}
		}
		change(&v)
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return b.Put(e.Aggregate.ID[:], data)
	}
	return projection.New(projection.Config[*bolt.Tx]{
		Name: "messages", Store: app.store, Bus: app.bus, Registry: app.registry,
		Model: model,
		Handlers: []projection.Handler[*bolt.Tx]{
			projection.On("communication.message.sent", func(_ context.Context, tx *bolt.Tx, e herald.Event, s Sent) error {
				return update(tx, e, func(v *messageView) {
					*v = messageView{Text: s.Text, Author: author(e), Position: e.Metadata.Position}
				})
			}),
			projection.On("communication.message.liked", func(_ context.Context, tx *bolt.Tx, e herald.Event, _ Liked) error {
				return update(tx, e, func(v *messageView) { v.Likes++ })
			}),
			projection.On("communication.message.featured", func(_ context.Context, tx *bolt.Tx, e herald.Event, _ Featured) error {
				return update(tx, e, func(v *messageView) { v.Featured = true })
			}),
		},
		Reset: projection.DeleteBuckets(string(messagesBucket)),
	})
}

// newFeaturingFlow makes the flow that features a message once it is
// liked featureAt times. It runs the Feature command on each like with the
// context the flow gives, which carries the like as the cause: the
// featured event's causation id is the id of the like that featured it.
func newFeaturingFlow(app *chatApp) (*projection.Flow, error) {
	return projection.NewFlow(projection.FlowConfig{
		Name: "featuring", Store: app.store, Bus: app.bus, Registry: app.registry,
		Reactions: []projection.Reaction{
			projection.When("communication.message.liked", func(ctx context.Context, e herald.Event, _ Liked) error {
				_, err := app.repo.Use(ctx, e.Aggregate.ID, func(m *Message) error { return m.Feature(e.Metadata.Revision) })
				return err
			}),
		},
	})
}

// printBoltMessages waits for the projection to reach the log's head and
// prints the read model it keeps in the bbolt file.
func (a *chatApp) printBoltMessages(ctx context.Context) error {
	stats, err := a.store.Stats(ctx)
	if err != nil {
		return err
	}
	if err := a.views.Wait(ctx, stats.Head); err != nil {
		return err
	}
	var views []*messageView
	err = a.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(messagesBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, data []byte) error {
			v := &messageView{}
			views = append(views, v)
			return json.Unmarshal(data, v)
		})
	})
	if err != nil {
		return err
	}
	fmt.Printf("the read model at position %d:\n", stats.Head)
	printViews(views)
	return nil
}
