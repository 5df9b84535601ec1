package herald_test

import (
	"encoding/json"
	"fmt"

	"github.com/herald-go/herald"
)

// Version 2 of communication.message.sent renamed text to body. Events
// stored at version 1 read as version 2: the upcaster turns the old JSON
// into the new, and the stored bytes stay as they are.
func ExampleWithUpcast() {
	type SentV2 struct {
		Body string `json:"body"`
	}
	registry, _ := herald.NewRegistry()
	_, err := herald.Define[SentV2](registry, "communication", "message", "sent",
		herald.WithVersion(2),
		herald.WithUpcast(1, func(data json.RawMessage) (json.RawMessage, error) {
			var v1 struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(data, &v1); err != nil {
				return nil, err
			}
			return json.Marshal(SentV2{Body: v1.Text})
		}))
	if err != nil {
		fmt.Println(err)
		return
	}

	// An event as a store gives it back, written by the code of version 1.
	var e herald.Event
	_ = json.Unmarshal([]byte(`{"context":{"name":"communication"},"aggregate":{"name":"message"},
		"name":"sent","data":{"text":"hey"},"metadata":{"position":7,"revision":1}}`), &e)
	if err := registry.Decode(&e); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v at version %d\n", e.Data, e.Metadata.Version)
	// Output: {Body:hey} at version 2
}
