package herald

import (
	"encoding/json"
	"errors"
)

// The AsyncAPI document of [Registry.AsyncAPI].
const (
	// AsyncAPIVersion is the version of the AsyncAPI specification that
	// it follows.
	AsyncAPIVersion = "3.0.0"
	// AsyncAPIAuthorizationExtension is the extension field of a message
	// that holds the event's default authorization, as the envelope's
	// isAuthorized does.
	AsyncAPIAuthorizationExtension = "x-herald-authorization"
)

// AsyncAPIInfo is what an AsyncAPI document says about the application
// whose events it lists. Title and Version are required.
type AsyncAPIInfo struct {
	// Title names the application.
	Title string
	// Version is the version of the application's events as a whole, such
	// as "1.4.0".
	Version string
	// Description says what the application does.
	Description string
}

// AsyncAPI writes the registry as an AsyncAPI 3.0 document in JSON: for
// each definition a channel whose address is the event's full name, a
// "send" operation on it, and a message with the event's description, its
// JSON Schema as the payload, its sample as an example, its context and
// aggregate as tags, its version as "x-herald-version" and its default
// authorization as [AsyncAPIAuthorizationExtension]. Channels, operations,
// messages and schemas are keyed by the full name, with any character
// AsyncAPI does not allow in a key written as "_". An info without a title
// or a version is an error matching ErrInvalid, and so is a sample that
// does not encode as JSON.
func (r *Registry) AsyncAPI(info AsyncAPIInfo) ([]byte, error) {
	if info.Title == "" || info.Version == "" {
		return nil, errorf("asyncapi: the info needs a title and a version: %w", ErrInvalid)
	}
	doc := asyncAPIDocument{
		AsyncAPI: AsyncAPIVersion, Info: asyncAPIInfo(info), DefaultContentType: "application/json",
		Channels: map[string]asyncAPIChannel{}, Operations: map[string]asyncAPIOperation{},
		Components: asyncAPIComponents{Messages: map[string]asyncAPIMessage{}, Schemas: map[string]any{}},
	}
	keys := newAsyncAPIKeys()
	var errs []error
	for _, d := range r.Definitions() {
		if err := doc.add(keys.of(d.FullName()), d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errorf("asyncapi: %w", errors.Join(errs...))
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, errorf("asyncapi: %w", err)
	}
	return b, nil
}

// add lists d in doc under key.
func (doc *asyncAPIDocument) add(key string, d *Definition) error {
	m := asyncAPIMessage{
		Name: d.FullName(), Title: d.FullName(), Description: d.Description, ContentType: "application/json",
		Payload: ref("components", "schemas", key),
		Tags:    []asyncAPITag{{Name: d.Context}, {Name: d.Aggregate}},
		Version: d.Version,
	}
	if a := d.Authorization; a != nil {
		m.Authorization = &asyncAPIAuthorization{Owner: a.Owner, ForAuthenticated: a.ForAuthenticated, ForPublic: a.ForPublic}
	}
	if d.Sample != nil {
		sample, err := json.Marshal(d.Sample)
		if err != nil {
			return &ValidationError{Event: d.FullName(), Field: "sample", Reason: "does not encode as JSON: " + err.Error(), Err: err}
		}
		m.Examples = []asyncAPIExample{{Name: "sample", Payload: sample}}
	}
	schemas, err := relocateSchema(key, d.Schema())
	if err != nil {
		return &ValidationError{Event: d.FullName(), Field: "schema", Reason: err.Error(), Err: err}
	}
	for k, s := range schemas {
		doc.Components.Schemas[k] = s
	}
	doc.Components.Messages[key] = m
	doc.Channels[key] = asyncAPIChannel{
		Address: d.FullName(), Title: d.FullName(), Description: d.Description,
		Messages: map[string]asyncAPIRef{key: ref("components", "messages", key)},
	}
	doc.Operations[key] = asyncAPIOperation{
		Action: "send", Channel: ref("channels", key), Summary: d.Description,
		Messages: []asyncAPIRef{ref("channels", key, "messages", key)},
	}
	return nil
}

// The document, as much of AsyncAPI 3.0 as AsyncAPI writes.
type (
	asyncAPIDocument struct {
		AsyncAPI           string                       `json:"asyncapi"`
		Info               asyncAPIInfo                 `json:"info"`
		DefaultContentType string                       `json:"defaultContentType"`
		Channels           map[string]asyncAPIChannel   `json:"channels"`
		Operations         map[string]asyncAPIOperation `json:"operations"`
		Components         asyncAPIComponents           `json:"components"`
	}
	asyncAPIInfo struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description,omitempty"`
	}
	asyncAPIChannel struct {
		Address     string                 `json:"address"`
		Title       string                 `json:"title,omitempty"`
		Description string                 `json:"description,omitempty"`
		Messages    map[string]asyncAPIRef `json:"messages"`
	}
	asyncAPIOperation struct {
		Action   string        `json:"action"`
		Channel  asyncAPIRef   `json:"channel"`
		Summary  string        `json:"summary,omitempty"`
		Messages []asyncAPIRef `json:"messages"`
	}
	asyncAPIComponents struct {
		Messages map[string]asyncAPIMessage `json:"messages"`
		Schemas  map[string]any             `json:"schemas"`
	}
	asyncAPIMessage struct {
		Name          string                 `json:"name"`
		Title         string                 `json:"title,omitempty"`
		Description   string                 `json:"description,omitempty"`
		ContentType   string                 `json:"contentType"`
		Payload       asyncAPIRef            `json:"payload"`
		Examples      []asyncAPIExample      `json:"examples,omitempty"`
		Tags          []asyncAPITag          `json:"tags,omitempty"`
		Version       int                    `json:"x-herald-version"`
		Authorization *asyncAPIAuthorization `json:"x-herald-authorization,omitempty"`
	}
	asyncAPIExample struct {
		Name    string          `json:"name"`
		Payload json.RawMessage `json:"payload"`
	}
	asyncAPITag struct {
		Name string `json:"name"`
	}
	asyncAPIAuthorization struct {
		Owner            string `json:"owner"`
		ForAuthenticated bool   `json:"forAuthenticated"`
		ForPublic        bool   `json:"forPublic"`
	}
	asyncAPIRef struct {
		Ref string `json:"$ref"`
	}
)

// ref is the reference to the document's member at the path of keys.
func ref(keys ...string) asyncAPIRef {
	return asyncAPIRef{Ref: "#" + jsonPointer(keys)}
}
