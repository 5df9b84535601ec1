package herald

import (
	"reflect"
)

// OwnershipTransferred is the data of a TransferredOwnership event: the ids
// of the owner before and after. The event itself is the new owner's.
type OwnershipTransferred struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Validate requires a new owner.
func (t OwnershipTransferred) Validate() error {
	if t.To == "" {
		return &ValidationError{Field: "data.to", Reason: "is empty"}
	}
	return nil
}

// Owner returns the id of the user who owns the aggregate: the user whose
// command published its first event, or the one it was last transferred
// to (TransferOwnership). Every event a Repository saves for the aggregate
// carries this owner in its authorization, whoever publishes it. It is
// empty for an aggregate without stored events and for one created
// anonymously.
func (b *AggregateBase) Owner() string {
	if b == nil {
		return ""
	}
	return b.owner
}

// TransferOwnership publishes a TransferredOwnership event that makes the
// user to the aggregate's owner: it and the events after it carry to as
// their owner once saved. An empty to is an error matching ErrInvalid.
func (b *AggregateBase) TransferOwnership(to string) error {
	if b == nil {
		return errorf("transfer ownership: the aggregate is a nil pointer: %w", ErrInvalid)
	}
	if to == "" {
		return errorf("transfer ownership of %s: the new owner is empty: %w", b.ref, ErrInvalid)
	}
	return b.Publish(TransferredOwnership, OwnershipTransferred{From: b.owner, To: to})
}

// ownershipDefinition is the definition every registry has for
// TransferredOwnership events, whatever their context and aggregate.
var ownershipDefinition = &Definition{
	Name:        TransferredOwnership,
	Description: "The aggregate was handed to another owner.",
	Version:     1,
	Type:        reflect.TypeFor[OwnershipTransferred](),
	check:       checkData[OwnershipTransferred],
	decode:      decodeAs[OwnershipTransferred],
}

// ownerOf returns the owner an event read back from a store carries.
func ownerOf(e *Event) string {
	if a := e.Metadata.Authorization; a != nil {
		return a.Owner
	}
	return ""
}
