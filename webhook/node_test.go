package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/herald-go/herald/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standardWebhooksVersion is the release of the reference implementation
// the tests run, from the npm registry.
const standardWebhooksVersion = "1.3.0"

// nodeScript signs or verifies with the npm package standardwebhooks, as
// its input on stdin asks, and writes the outcome as JSON.
const nodeScript = `
const { Webhook } = require(process.env.SWH_MODULE);
let input = '';
process.stdin.on('data', (c) => input += c);
process.stdin.on('end', () => {
  const job = JSON.parse(input);
  const wh = new Webhook(job.secret);
  if (job.op === 'sign') {
    const at = new Date(job.timestamp * 1000);
    console.log(JSON.stringify({ signature: wh.sign(job.id, at, job.body) }));
    return;
  }
  try {
    const payload = wh.verify(job.body, job.headers);
    console.log(JSON.stringify({ ok: true, id: payload.id }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e.message || e) }));
  }
});
`

// standardWebhooks returns the path of the installed npm package,
// installing it into the user's cache on first use; it skips the test
// when Node.js or the registry is not there, unless
// HERALD_REQUIRE_SERVICES=1.
func standardWebhooks(t *testing.T) string {
	t.Helper()
	skip := func(format string, args ...any) {
		if os.Getenv("HERALD_REQUIRE_SERVICES") == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("node"); err != nil {
		skip("node is not installed: %v", err)
	}
	cache, err := os.UserCacheDir()
	require.NoError(t, err)
	dir := filepath.Join(cache, "herald", "standardwebhooks")
	module := filepath.Join(dir, "node_modules", "standardwebhooks")
	if !installed(module) {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private":true}`+"\n"), 0o644))
		}
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "standardwebhooks@"+standardWebhooksVersion)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			skip("npm install standardwebhooks: %v\n%s", err, out)
		}
	}
	return module
}

func installed(module string) bool {
	b, err := os.ReadFile(filepath.Join(module, "package.json"))
	if err != nil {
		return false
	}
	var p struct{ Version string }
	return json.Unmarshal(b, &p) == nil && p.Version == standardWebhooksVersion
}

// node runs the script with job as its input and decodes its answer.
func node(t *testing.T, module string, job, answer any) {
	t.Helper()
	in, err := json.Marshal(job)
	require.NoError(t, err)
	cmd := exec.Command("node", "-e", nodeScript)
	cmd.Env = append(os.Environ(), "SWH_MODULE="+module)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.NoError(t, json.Unmarshal(out, answer), string(out))
}

// TestNodeVerifiesHeraldsDeliveries captures a real delivery and has the
// reference implementation verify it, and refuse it with its body changed.
func TestNodeVerifiesHeraldsDeliveries(t *testing.T) {
	module := standardWebhooks(t)
	a := newApp(t)
	var mu sync.Mutex
	var header http.Header
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		header, body = r.Header.Clone(), b
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	d, err := webhook.NewDispatcher(a.store, a.bus, fast()...)
	require.NoError(t, err)
	subscribe(t, d, srv.URL)
	run(t, d)
	e := a.publish(t, "sent", map[string]string{"text": "hey, how are you?"})
	eventually(t, "the delivery", func() bool { mu.Lock(); defer mu.Unlock(); return body != nil })
	mu.Lock()
	headers := map[string]string{}
	for _, k := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature} {
		headers[k] = header.Get(k)
	}
	sent := string(body)
	mu.Unlock()

	var answer struct {
		OK    bool   `json:"ok"`
		ID    string `json:"id"`
		Error string `json:"error"`
	}
	node(t, module, map[string]any{"op": "verify", "secret": testSecret, "headers": headers, "body": sent}, &answer)
	require.True(t, answer.OK, answer.Error)
	assert.Equal(t, e.ID.String(), answer.ID)
	assert.Equal(t, e.ID.String(), headers[webhook.HeaderID])

	node(t, module, map[string]any{"op": "verify", "secret": testSecret, "headers": headers, "body": sent + " "}, &answer)
	assert.False(t, answer.OK, "a changed body is refused")
}

// TestHeraldVerifiesNodesSignatures has the reference implementation sign
// a message and checks that Verify accepts it, and refuses it under
// another secret.
func TestHeraldVerifiesNodesSignatures(t *testing.T) {
	module := standardWebhooks(t)
	id, now, body := "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", time.Now().Unix(), `{"name":"sent","data":{"text":"hi"}}`
	var answer struct{ Signature string }
	node(t, module, map[string]any{"op": "sign", "secret": testSecret, "id": id, "timestamp": now, "body": body}, &answer)
	header := http.Header{}
	header.Set(webhook.HeaderID, id)
	header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now, 10))
	header.Set(webhook.HeaderSignature, answer.Signature)
	require.NoError(t, webhook.Verify(testSecret, header, []byte(body)))
	assert.ErrorIs(t, webhook.Verify(webhook.NewSecret().String(), header, []byte(body)), webhook.ErrSignature)
	secret, err := webhook.ParseSecret(testSecret)
	require.NoError(t, err)
	ours := webhook.Sign(id, time.Unix(now, 0), []byte(body), secret)
	assert.Equal(t, answer.Signature, ours.Get(webhook.HeaderSignature), "both sign alike")
}
