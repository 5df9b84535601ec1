package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
)

// readModel is the list of messages in memory, kept up to date by a
// subscription; the chat uses it with -memory. On boltstore the read model
// is a projection instead (projections.go).
type readModel struct {
	mu       sync.Mutex
	messages map[uuid.UUID]*messageView
}

type messageView struct {
	Text   string
	Author string
	Likes  int
	// Featured is set once the featuring flow featured the message.
	Featured bool
	// Position orders the messages as they were sent.
	Position uint64
}

func newReadModel() *readModel {
	return &readModel{messages: make(map[uuid.UUID]*messageView)}
}

// Handle applies one event to the read model.
func (m *readModel) Handle(ctx context.Context, e herald.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e.Name {
	case "sent":
		sent, err := herald.DataAs[Sent](&e)
		if err != nil {
			return err
		}
		m.messages[e.Aggregate.ID] = &messageView{Text: sent.Text, Author: author(e), Position: e.Metadata.Position}
	case "liked":
		if v, ok := m.messages[e.Aggregate.ID]; ok {
			v.Likes++
		}
	case "featured":
		if v, ok := m.messages[e.Aggregate.ID]; ok {
			v.Featured = true
		}
	}
	return nil
}

func (m *readModel) print() {
	m.mu.Lock()
	defer m.mu.Unlock()
	views := make([]*messageView, 0, len(m.messages))
	for _, v := range m.messages {
		views = append(views, v)
	}
	fmt.Println("the read model:")
	printViews(views)
}

// printViews prints the messages in the order they were sent.
func printViews(views []*messageView) {
	sort.Slice(views, func(i, j int) bool { return views[i].Position < views[j].Position })
	if len(views) == 0 {
		fmt.Println("  no messages")
	}
	for _, v := range views {
		featured := ""
		if v.Featured {
			featured = ", featured"
		}
		fmt.Printf("  %-20s by %-22s %d likes%s\n", v.Text, v.Author, v.Likes, featured)
	}
}

func author(e herald.Event) string {
	if e.User == nil {
		return "anonymous"
	}
	return e.User.ID
}
