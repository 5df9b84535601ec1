package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzImport feeds import any bytes: it stores them or names the line it
// refuses, and never panics. Each input runs the command once.
func FuzzImport(f *testing.F) {
	valid := `{"context":{"name":"chat"},"aggregate":{"name":"message","id":"0b866be9-f83c-4501-a54f-fa3facb582c5"},` +
		`"name":"sent","id":"4c99d051-a526-4526-9cca-34f92a6c8c9d","data":{"text":"hey"},"metadata":{"timestamp":1421260133331}}`
	for _, seed := range []string{"", valid, valid + "\n" + valid, "\n\n" + valid + "\n", "{", "null", "[]", `{"name":1}`,
		strings.Replace(valid, "sent", "", 1), strings.Replace(valid, `"data":{"text":"hey"}`, `"data":{"text":`, 1)} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		path := filepath.Join(t.TempDir(), "events.db")
		cmd := exec.Command(binary, "import", "--file", path, "--batch", "2")
		cmd.Stdin = strings.NewReader(string(input))
		out, err := cmd.CombinedOutput()
		if strings.Contains(string(out), "panic") {
			t.Fatalf("import panicked:\n%s", out)
		}
		if err == nil {
			return
		}
		exit, ok := err.(*exec.ExitError)
		if !ok || exit.ExitCode() != 1 {
			t.Fatalf("import ended with %v:\n%s", err, out)
		}
		if !strings.Contains(string(out), "line") {
			t.Fatalf("import refused the input without naming a line:\n%s", out)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("import made no store: %v", err)
		}
	})
}
