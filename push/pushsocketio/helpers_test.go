package pushsocketio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/herald-go/herald/internal/pushtest"
	"github.com/herald-go/herald/push/pushsocketio"
)

// requireServices turns the skip of a test that finds no Node.js, or
// cannot install socket.io-client, into a failure; CI sets it.
const requireServices = "HERALD_REQUIRE_SERVICES"

// clientVersion is the version of socket.io-client the tests install.
const clientVersion = "4.8.4"

// skipOrFail skips t with msg, or fails it when requireServices is 1.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv(requireServices) == "1" {
		t.Fatal(msg + " (" + requireServices + "=1 requires it)")
	}
	t.Skip(msg)
}

var (
	installOnce sync.Once
	installDir  string
	installErr  string
)

// nodeModules returns the directory whose node_modules holds
// socket.io-client, installing it from the npm registry into the user's
// cache once; it skips t when Node.js or npm is missing or the install
// fails.
func nodeModules(t *testing.T) string {
	t.Helper()
	installOnce.Do(func() {
		for _, tool := range []string{"node", "npm"} {
			if _, err := exec.LookPath(tool); err != nil {
				installErr = "no " + tool + " on PATH: install Node.js to run the socket.io-client tests"
				return
			}
		}
		cache, err := os.UserCacheDir()
		if err != nil { // no HOME: a directory that outlives the test
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "herald", "socketio", clientVersion)
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client", "package.json")); err == nil {
			installDir = dir
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			installErr = err.Error()
			return
		}
		cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "socket.io-client@"+clientVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			installErr = "npm install socket.io-client@" + clientVersion + ": " + err.Error() + ": " + string(out)
			return
		}
		installDir = dir
	})
	if installErr != "" {
		skipOrFail(t, installErr)
	}
	return installDir
}

// env is a pushtest.Env whose streams are served by a pushsocketio
// server at /socket.io/ on a loopback server.
type env struct {
	*pushtest.Env
	t   *testing.T
	io  *pushsocketio.Server
	web *httptest.Server
}

func newEnv(t *testing.T, opts ...pushsocketio.Option) *env {
	t.Helper()
	nodeModules(t)
	return newEnvOf(t, pushtest.New(t), opts...)
}

// newEnvOf serves p's streams as newEnv does, without Node.js.
func newEnvOf(t *testing.T, p *pushtest.Env, opts ...pushsocketio.Option) *env {
	t.Helper()
	e := &env{Env: p, t: t}
	var err error
	e.io, err = pushsocketio.New(e.Server, opts...)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", e.io)
	e.web = httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), pushtest.Patience)
		defer cancel()
		_ = e.io.Close(ctx)
		e.web.Close()
	})
	return e
}

// url is the URL of namespace /tenant with query q.
func (e *env) url(tenant string, q url.Values) string {
	u := e.web.URL + "/" + tenant
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// line is one line the Node.js client prints.
type line struct {
	Connected    bool            `json:"connected"`
	Event        string          `json:"event"`
	Data         json.RawMessage `json:"data"`
	Position     uint64          `json:"position"`
	ConnectError *struct {
		Message string `json:"message"`
		Data    struct {
			Status int `json:"status"`
		} `json:"data"`
	} `json:"connectError"`
	Disconnected string `json:"disconnected"`
}

// client is a Node.js process running testdata/client.js.
type client struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan line
	ended chan struct{}
}

// start runs a client of url with the environment env (such as
// HERALD_TOKEN=jane) and reads what it prints.
func (e *env) start(url string, env ...string) *client {
	e.t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "client.js"))
	require.NoError(e.t, err)
	cmd := exec.Command("node", script, url)
	cmd.Env = append(os.Environ(), append(env, "NODE_PATH="+filepath.Join(nodeModules(e.t), "node_modules"))...)
	cmd.Stderr = &testLog{t: e.t}
	stdin, err := cmd.StdinPipe()
	require.NoError(e.t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(e.t, err)
	require.NoError(e.t, cmd.Start())
	c := &client{t: e.t, cmd: cmd, stdin: stdin, lines: make(chan line, 1<<12), ended: make(chan struct{})}
	go func() {
		defer close(c.ended)
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<16), 1<<24)
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err == nil {
				c.lines <- l
			}
		}
	}()
	e.t.Cleanup(c.stop)
	return c
}

// next returns the next line the client prints.
func (c *client) next() line {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatal("the client exited")
		}
		return l
	case <-time.After(pushtest.Patience):
		c.t.Fatal("the client printed nothing")
		return line{}
	}
}

// connected waits until the client is connected.
func (c *client) connected() {
	c.t.Helper()
	l := c.next()
	require.True(c.t, l.Connected, "the client connects: %+v", l)
}

// event returns the next event the client gets, failing on anything else.
func (c *client) event() line {
	c.t.Helper()
	l := c.next()
	require.NotEmpty(c.t, l.Event, "an event: %+v", l)
	return l
}

// kill kills the client's process, which closes nothing first.
func (c *client) kill() {
	c.t.Helper()
	require.NoError(c.t, c.cmd.Process.Kill())
	<-c.ended
}

// stop ends the client and waits for it to exit.
func (c *client) stop() {
	_ = c.stdin.Close()
	select {
	case <-c.ended:
	case <-time.After(pushtest.Patience):
		_ = c.cmd.Process.Kill()
		<-c.ended
	}
	_ = c.cmd.Wait()
}

// text returns the text of an envelope's data.
func text(data json.RawMessage) string {
	var e struct {
		Data struct {
			Text string `json:"text"`
		} `json:"data"`
	}
	_ = json.Unmarshal(data, &e)
	return e.Data.Text
}

// testLog writes the client's standard error to the test log.
type testLog struct{ t *testing.T }

func (w *testLog) Write(p []byte) (int, error) {
	w.t.Logf("node: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}
