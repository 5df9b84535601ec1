package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/herald-go/herald"
)

// definitionJSON is a registry definition as GET /definitions answers
// it.
type definitionJSON struct {
	Name          string             `json:"name"`
	Context       string             `json:"context"`
	Aggregate     string             `json:"aggregate"`
	Event         string             `json:"event"`
	Description   string             `json:"description,omitempty"`
	Version       int                `json:"version"`
	Type          string             `json:"type,omitempty"`
	Authorization *authorizationJSON `json:"isAuthorized,omitempty"`
	Sample        json.RawMessage    `json:"sample,omitempty"`
	Schema        json.RawMessage    `json:"schema,omitempty"`
}

type authorizationJSON struct {
	Owner            string `json:"owner"`
	ForAuthenticated bool   `json:"forAuthenticated"`
	ForPublic        bool   `json:"forPublic"`
}

// getDefinitions answers GET /definitions: the registry's definitions,
// ordered by full name; anyone may read them.
func (h *Handler) getDefinitions(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authenticate(w, r); !ok {
		return
	}
	out := struct {
		Definitions []definitionJSON `json:"definitions"`
	}{Definitions: []definitionJSON{}}
	for _, d := range h.registry.Definitions() {
		out.Definitions = append(out.Definitions, h.definitionOf(r, d))
	}
	h.writeJSON(w, r, http.StatusOK, out)
}

func (h *Handler) definitionOf(r *http.Request, d *herald.Definition) definitionJSON {
	j := definitionJSON{Name: d.FullName(), Context: d.Context, Aggregate: d.Aggregate, Event: d.Name,
		Description: d.Description, Version: d.Version}
	if d.Type != nil {
		j.Type = d.Type.String()
	}
	if a := d.Authorization; a != nil {
		j.Authorization = &authorizationJSON{Owner: a.Owner, ForAuthenticated: a.ForAuthenticated, ForPublic: a.ForPublic}
	}
	if d.Sample != nil {
		b, err := json.Marshal(d.Sample)
		if err != nil {
			h.cfg.logger.WarnContext(r.Context(), "httpapi: a definition's sample does not encode",
				"definition", d.FullName(), "error", err)
		} else {
			j.Sample = b
		}
	}
	j.Schema = d.Schema()
	return j
}
