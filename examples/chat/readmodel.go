package main

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
)

// readModel is the list of messages, kept up to date by a subscription.
type readModel struct {
	mu       sync.Mutex
	messages map[uuid.UUID]*messageView
}

type messageView struct {
	Text   string
	Author string
	Likes  int
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
	sort.Slice(views, func(i, j int) bool { return views[i].Position < views[j].Position })
	fmt.Println("messages:")
	for _, v := range views {
		fmt.Printf("  %-20s by %-22s %d likes\n", v.Text, v.Author, v.Likes)
	}
}

func author(e herald.Event) string {
	if e.User == nil {
		return "anonymous"
	}
	return e.User.ID
}
