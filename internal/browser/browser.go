package browser

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestEnv names the variable that turns the skip of a test that finds no
// Chromium into a failure.
const TestEnv = "HERALD_BROWSER_TEST"

// Find returns the path of a Chromium or Chrome on PATH, or skips t (fails
// it when TestEnv is 1).
func Find(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const msg = "no chromium, chromium-browser or google-chrome on PATH: install Debian's chromium (apt-get install chromium) to run the browser test"
	if os.Getenv(TestEnv) == "1" {
		t.Fatal(msg + " (" + TestEnv + "=1 requires it)")
	}
	t.Skip(msg)
	return ""
}

// Flags are the command-line flags Open starts Chromium with, besides a
// new empty user data directory: headless, without a sandbox (tests run
// as root), and without the background traffic of a desktop browser.
var Flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
}

// Open starts Chromium headless on url, found by Find, with Flags and a
// new empty user data directory, and stops it when the test ends. The
// page reports what it saw to the test, such as by fetch to the test's
// server; the end of Chromium's own output goes to the log of a test
// that fails.
func Open(t testing.TB, url string) {
	t.Helper()
	path := Find(t)
	args := append(append([]string(nil), Flags...), "--user-data-dir="+t.TempDir(), url)
	cmd := exec.Command(path, args...)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 10 * time.Second // for children that hold the output open
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// SIGTERM lets Chromium end its own child processes.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("chromium's output:\n%s", out.String())
		}
	})
}

// tail keeps the end of Chromium's output, for the log of a test that
// fails.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 16 << 10

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > tailSize {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.buf)
}
