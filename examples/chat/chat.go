package main

import (
	"errors"
	"strings"

	"github.com/herald-go/herald"
)

// Sent is the data of communication.message.sent.
type Sent struct {
	Text string `json:"text"`
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

// Starred is the data of communication.message.starred: the user who
// published it keeps the message for later. Its definition has no default
// authorization, so the publishing user is its owner and no one else may
// receive it.
type Starred struct{}

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
	Text  string `json:"text"`
	Likes int    `json:"likes"`
}

func newMessage() *Message {
	m := &Message{}
	herald.Apply(m, "sent", func(s Sent) { m.Text = s.Text })
	herald.Apply(m, "liked", func(Liked) { m.Likes++ })
	// A star is private to whoever starred: it changes nothing shared.
	herald.Apply(m, "starred", func(Starred) {})
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

// defineEvents defines the chat's events: sent and liked reach everyone,
// starred only the user who starred.
func defineEvents() (*herald.Registry, error) {
	r := herald.NewRegistry(herald.Strict())
	forEveryone := herald.DefaultAuthorization(herald.Authorization{ForAuthenticated: true, ForPublic: true})
	if _, err := herald.Define[Sent](r, "communication", "message", "sent",
		herald.Description("A message was sent."), forEveryone, herald.Sample(Sent{Text: "hey, how are you?"})); err != nil {
		return nil, err
	}
	if _, err := herald.Define[Liked](r, "communication", "message", "liked",
		herald.Description("A message was liked."), forEveryone, herald.Sample(Liked{})); err != nil {
		return nil, err
	}
	_, err := herald.Define[Starred](r, "communication", "message", "starred",
		herald.Description("A user starred a message; only that user sees it."), herald.Sample(Starred{}))
	return r, err
}
