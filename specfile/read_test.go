package specfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spoorhq/spoor/query"
)

// Read refuses a file over query.MaxSpecSize and one that is not a regular
// file before reading it whole (a FIFO would block, /dev/zero never end);
// Kind names a spec's analysis from its head alone.
func TestReadAndKindBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("f.toml", "analysis = \"funnel\"\nsteps = [{event = \"a\"}, {event = \"b\"}]\n")
	if s, err := Read(good); err != nil || s.Analysis != "funnel" {
		t.Fatalf("good spec: %v %v", s.Analysis, err)
	}
	// The head names trends; the rest is the dotted-key attack, and too big.
	huge := write("huge.toml", "analysis = 'trends'\n"+strings.Repeat("a.", query.MaxSpecSize)+"b = 1\n")
	if _, err := Read(huge); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("huge spec: %v", err)
	}
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err == nil {
		if _, err := Read(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("fifo: %v", err)
		}
		if k := Kind(fifo); k != "" {
			t.Fatalf("Kind(fifo) = %q", k)
		}
	}
	for path, want := range map[string]string{
		good:                                    "funnel",
		huge:                                    "",
		write("j.json", `{"analysis":"paths"}`): "paths",
		write("s.json", "{\n  \"name\": \"x\",\n  \"analysis\" : \"retention\"\n}"): "retention",
		write("package.json", `{"name":"web","version":"1.0.0"}`):                   "",
		write("other.toml", "analysis = \"nonsense\"\n"):                            "",
		write("field.json", `{"x":"analysis: \"trends\""}`):                         "",
	} {
		if got := Kind(path); got != want {
			t.Errorf("Kind(%s) = %q, want %q", filepath.Base(path), got, want)
		}
	}
}
