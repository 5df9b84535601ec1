package main

import (
	"errors"
	"strings"

	"github.com/herald-go/herald"
)

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text" jsonschema:"minLength=1" jsonschema_description:"What the message says."`
}

// Validate rejects an empty message.
func (s Sent) Validate() error {
	if strings.TrimSpace(s.Text) == "" {
		return &herald.ValidationError{Field: "data.text", Reason: "is empty"}
	}
	return nil
}

// Liked is the data of communication.message.liked.
type Liked struct{}

// Starred is the data of communication.message.starred: the message is
// kept for later. Its definition has no default authorization, so, like
// every event of the message, it is the message's owner's (the user who
// sent it), and no one else may receive it.
type Starred struct{}

// Featured is the data of communication.message.featured: the message was
// liked often enough to be featured. The flow of flows.go publishes it.
type Featured struct{}

// featureAt is how many likes feature a message.
const featureAt = 3

// Errors of the message aggregate's commands.
var (
	// errAlreadySent is returned by Send on a message that was sent.
	errAlreadySent = errors.New("message was already sent")
	// errNoMessage is returned by Like and Star on a message that was
	// never sent.
	errNoMessage = errors.New("message does not exist")
)

// Message is the message aggregate.
type Message struct {
	herald.AggregateBase
	Text     string `json:"text"`
	Likes    int    `json:"likes"`
	Featured bool   `json:"featured"`
	// featuringLike is the revision of the like that brought Likes to
	// featureAt, 0 before it.
	featuringLike uint64
}

func newMessage() *Message {
	m := &Message{}
	herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
	herald.Apply(m, "liked", func(Liked) {
		m.Likes++
		if m.Likes == featureAt {
			// The applier runs before the revision advances.
			m.featuringLike = m.Revision() + 1
		}
	})
	// A star is private to the message's author: it changes nothing shared.
	herald.Apply(m, "starred", func(Starred) {})
	herald.Apply(m, "featured", func(Featured) { m.Featured = true })
	return m
}

// Send sends the message.
func (m *Message) Send(text string) error {
	if m.Revision() > 0 {
		return errAlreadySent
	}
	return m.Publish("sent", Sent{Text: text})
}

// Like likes a sent message.
func (m *Message) Like() error {
	if m.Revision() == 0 {
		return errNoMessage
	}
	return m.Publish("liked", Liked{})
}

// Star stars a sent message for the user who runs the command only.
func (m *Message) Star() error {
	if m.Revision() == 0 {
		return errNoMessage
	}
	return m.Publish("starred", Starred{})
}

// Feature features a message in reaction to its like at revision like,
// once, when that like is the one that brought its likes to featureAt: the
// featured event is then caused by that like, even when the message was
// liked again before the reaction ran. Otherwise it does nothing.
func (m *Message) Feature(like uint64) error {
	if m.Likes < featureAt || m.Featured || like != m.featuringLike {
		return nil
	}
	return m.Publish("featured", Featured{})
}

// defineEvents defines the chat's events: sent and liked reach everyone,
// starred only the author of the message, who owns its events.
func defineEvents() (*herald.Registry, error) {
	r, err := herald.NewRegistry(herald.WithStrict())
	if err != nil {
		return nil, err
	}
	forEveryone := herald.WithDefaultAuthorization(herald.Authorization{ForAuthenticated: true, ForPublic: true})
	if _, err := herald.Define[Sent](r, "communication", "message", "sent",
		herald.WithDescription("A message was sent."), forEveryone, herald.WithSample(Sent{Text: "hey, how are you?"})); err != nil {
		return nil, err
	}
	if _, err := herald.Define[Liked](r, "communication", "message", "liked",
		herald.WithDescription("A message was liked."), forEveryone, herald.WithSample(Liked{})); err != nil {
		return nil, err
	}
	if _, err := herald.Define[Starred](r, "communication", "message", "starred",
		herald.WithDescription("A user starred a message; only its author sees it."), herald.WithSample(Starred{})); err != nil {
		return nil, err
	}
	_, err = herald.Define[Featured](r, "communication", "message", "featured",
		herald.WithDescription("A message was liked often enough to be featured."), forEveryone, herald.WithSample(Featured{}))
	return r, err
}
