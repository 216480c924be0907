package tui

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The open page (o) lists spec files from their first 4 KB, without
// decoding them (issue 20.5): a spec too large to open, a TOML of the
// dotted-key attack, a FIFO and a JSON file that is no spec cost nothing
// and are not offered; the one chosen is read as spoor run reads it.
func TestOpenListDoesNotDecode(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir(specDir, 0o755)
	write := func(name, s string) {
		if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(specDir, "weekly.json"), `{"analysis":"trends","events":["buy"]}`)
	write("attack.toml", "analysis = \"trends\"\n"+strings.Repeat("a.", 8000)+"b = 1\n")
	write("huge.toml", "analysis = \"trends\"\n#"+strings.Repeat("x", 100<<10)+"\n")
	write("package.json", `{"name":"web"}`)
	syscall.Mkfifo("pipe.json", 0o644)

	done := make(chan any)
	go func() { done <- openListCmd()() }()
	var msg any
	select {
	case msg = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("listing the specs did not return (a FIFO opened?)")
	}
	pm, ok := msg.(pageMsg)
	if !ok {
		t.Fatalf("msg %#v", msg)
	}
	lp := pm.p.(*listPage)
	want := []string{"trends     analyses/weekly.json", "trends     attack.toml"}
	if strings.Join(lp.lines, "|") != strings.Join(want, "|") {
		t.Fatalf("listed %q, want %q", lp.lines, want)
	}
	// Opening reads the whole file: the attack is refused with why.
	if st := readSpecCmd("attack.toml")().(statusMsg); !st.err || !strings.Contains(st.text, "dotted key nested deeper than 64") {
		t.Fatalf("open attack: %+v", st)
	}
	if om, ok := readSpecCmd(filepath.Join(specDir, "weekly.json"))().(openSpecMsg); !ok || om.kind != "trends" {
		t.Fatalf("open weekly: %#v", om)
	}
}
