package driver_test

import (
	"time"

	"github.com/google/uuid"

	"github.com/herald-go/herald"
)

// sentEvent is a complete event, fit to store.
func sentEvent() herald.Event {
	cause := uuid.MustParse("0ff228c1-e9a5-47a6-9b96-a0767082b61e")
	return herald.Event{
		Aggregate: herald.AggregateRef{
			Context: "communication", Name: "message",
			ID: uuid.MustParse("0b866be9-f83c-4501-a54f-fa3facb582c5"),
		},
		Name: "sent",
		ID:   uuid.MustParse("4c99d051-a526-4526-9cca-34f92a6c8c9d"),
		Data: map[string]any{"text": "hey, how are you?"},
		User: &herald.User{ID: "jane.doe@example.com"},
		Metadata: herald.Metadata{
			Timestamp: time.UnixMilli(1421260133331).UTC(),
			Position:  42, Revision: 3,
			CausationID: cause, CorrelationID: cause,
			Labels:        map[string]string{"program": "support"},
			Authorization: &herald.Authorization{Owner: "jane.doe@example.com"},
		},
	}
}
