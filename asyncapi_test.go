package herald_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald"
)

// asyncAPIParser is the npm package, at the version the test installs,
// that validates the documents Registry.AsyncAPI writes.
const asyncAPIParser = "@asyncapi/parser@3.6.6"

// catalogueRegistry defines events of two aggregates, one with a
// recursive type, one with an explicit schema, one without a sample.
func catalogueRegistry(t *testing.T) *herald.Registry {
	t.Helper()
	type node struct {
		Name     string  `json:"name"`
		Children []*node `json:"children,omitempty"`
	}
	r, err := herald.NewRegistry()
	require.NoError(t, err)
	_, err = herald.Define[Placed](r, "shop", "order", "placed", herald.WithDescription("An order was placed."),
		herald.WithSample(placedSample()), herald.WithDefaultAuthorization(herald.Authorization{ForAuthenticated: true}))
	require.NoError(t, err)
	_, err = herald.Define[node](r, "shop", "catalogue", "tree changed", herald.WithSample(node{Name: "tea", Children: []*node{{Name: "green"}}}))
	require.NoError(t, err)
	_, err = herald.Define[map[string]any](r, "shop", "order", "noted",
		herald.WithSchema([]byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
			"properties":{"note":{"$ref":"#/$defs/text"}},"required":["note"],"$defs":{"text":{"type":"string","maxLength":200}}}`)))
	require.NoError(t, err)
	return r
}

func TestAsyncAPIDocument(t *testing.T) {
	doc, err := catalogueRegistry(t).AsyncAPI(herald.AsyncAPIInfo{Title: "Shop", Version: "1.0.0", Description: "The shop's events."})
	require.NoError(t, err)
	var got struct {
		AsyncAPI string
		Info     struct{ Title, Version, Description string }
		Channels map[string]struct {
			Address  string
			Messages map[string]struct {
				Ref string `json:"$ref"`
			}
		}
		Components struct {
			Messages map[string]struct {
				Name        string
				Description string
				Payload     struct {
					Ref string `json:"$ref"`
				}
				Examples      []struct{ Payload json.RawMessage }
				Authorization *herald.Authorization `json:"x-herald-authorization"`
				Version       int                   `json:"x-herald-version"`
			}
			Schemas map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(doc, &got), "%s", doc)
	assert.Equal(t, "3.0.0", got.AsyncAPI)
	assert.Equal(t, "Shop", got.Info.Title)
	require.Len(t, got.Channels, 3)
	assert.Equal(t, "shop.catalogue.tree changed", got.Channels["shop.catalogue.tree_changed"].Address)
	placed := got.Components.Messages["shop.order.placed"]
	assert.Equal(t, "An order was placed.", placed.Description)
	assert.Equal(t, "#/components/schemas/shop.order.placed", placed.Payload.Ref)
	require.Len(t, placed.Examples, 1)
	sample, err := json.Marshal(placedSample())
	require.NoError(t, err)
	assert.JSONEq(t, string(sample), string(placed.Examples[0].Payload))
	assert.Equal(t, &herald.Authorization{ForAuthenticated: true}, placed.Authorization)
	assert.Equal(t, 1, placed.Version)
	assert.Empty(t, got.Components.Messages["shop.order.noted"].Examples)
	// Definitions moved to components, and the references with them.
	assert.Contains(t, got.Components.Schemas, "shop.order.placed.OrderItem")
	assert.Contains(t, got.Components.Schemas, "shop.order.noted.text")
	assert.NotContains(t, got.Components.Schemas["shop.order.placed"], "$defs")
	assert.NotContains(t, got.Components.Schemas["shop.order.placed"], "$schema")
	assert.Contains(t, string(doc), `"$ref": "#/components/schemas/shop.order.noted.text"`)
	assert.Contains(t, string(doc), `"$ref": "#/components/schemas/shop.catalogue.tree_changed"`, "a recursive type refers to its own schema")
}

func TestAsyncAPIRefusesBadInfo(t *testing.T) {
	r := catalogueRegistry(t)
	for _, info := range []herald.AsyncAPIInfo{{}, {Title: "Shop"}, {Version: "1"}} {
		doc, err := r.AsyncAPI(info)
		assert.Nil(t, doc)
		assert.ErrorIs(t, err, herald.ErrInvalid)
		assert.ErrorContains(t, err, "herald: asyncapi: the info needs a title and a version")
	}
	var empty *herald.Registry
	doc, err := empty.AsyncAPI(herald.AsyncAPIInfo{Title: "Shop", Version: "1"})
	require.NoError(t, err, "a nil registry lists no event")
	assert.Contains(t, string(doc), `"channels": {}`)
}

// TestAsyncAPIParses validates the document with the official AsyncAPI
// parser, run by Node.js.
func TestAsyncAPIParses(t *testing.T) {
	parserDir := installAsyncAPIParser(t)
	doc, err := catalogueRegistry(t).AsyncAPI(herald.AsyncAPIInfo{Title: "Shop", Version: "1.0.0"})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "asyncapi.json")
	require.NoError(t, os.WriteFile(file, doc, 0o600))
	script, err := filepath.Abs(filepath.Join("testdata", "asyncapi", "parse.js"))
	require.NoError(t, err)

	cmd := exec.Command("node", script, file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(parserDir, "node_modules"))
	out, err := cmd.Output()
	require.NoError(t, err, "node %s: %s", script, stderrOf(err))
	var parsed struct {
		Errors, Warnings []string
		Channels         map[string]struct {
			Address    string
			Operations []string
			Messages   []struct {
				Name, Description, PayloadType string
				Required                       []string
				Examples                       []json.RawMessage
				Authorization                  *herald.Authorization
			}
		}
	}
	require.NoError(t, json.Unmarshal(out, &parsed), "%s", out)
	require.Empty(t, parsed.Errors, "the parser refuses the document:\n%s", doc)
	if len(parsed.Warnings) > 0 {
		t.Logf("the parser warns: %q", parsed.Warnings)
	}
	require.Len(t, parsed.Channels, 3)
	placed := parsed.Channels["shop.order.placed"]
	assert.Equal(t, "shop.order.placed", placed.Address)
	assert.Equal(t, []string{"send"}, placed.Operations)
	require.Len(t, placed.Messages, 1)
	m := placed.Messages[0]
	assert.Equal(t, "shop.order.placed", m.Name)
	assert.Equal(t, "An order was placed.", m.Description)
	assert.Equal(t, "object", m.PayloadType)
	assert.ElementsMatch(t, []string{"customer", "items", "channel"}, m.Required)
	require.Len(t, m.Examples, 1)
	assert.Equal(t, &herald.Authorization{ForAuthenticated: true}, m.Authorization)
}

// installAsyncAPIParser returns the directory that holds the AsyncAPI
// parser in its node_modules, installing it with npm the first time. It
// skips the test when Node.js or npm is missing, unless
// HERALD_REQUIRE_SERVICES=1.
func installAsyncAPIParser(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not on PATH: install Node.js to validate the AsyncAPI document with " + asyncAPIParser
			if os.Getenv("HERALD_REQUIRE_SERVICES") == "1" {
				t.Fatal(msg + " (HERALD_REQUIRE_SERVICES=1 requires it)")
			}
			t.Skip(msg)
		}
	}
	cache, err := os.UserCacheDir()
	require.NoError(t, err)
	dir := filepath.Join(cache, "herald", "asyncapi", asyncAPIParser)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asyncapi", "parser", "package.json")); err == nil {
		return dir
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	cmd := exec.Command("npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", asyncAPIParser)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm install %s: %s", asyncAPIParser, out)
	return dir
}

// stderrOf is what a failed command wrote to its standard error.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
