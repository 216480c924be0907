package cli

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestCSVToTerminalEscapes: CSV written to a terminal escapes control
// characters as the table format does, so an event named with an escape
// sequence cannot retitle the terminal or clear it (issue 20.8).
func TestCSVToTerminalEscapes(t *testing.T) {
	db := hostileDB(t)
	master, slave := openPTY(t)
	got := make(chan string)
	go func() {
		b, _ := io.ReadAll(master) // ends when the slave side is closed
		got <- string(b)
	}()
	var errb strings.Builder
	code := Run(context.Background(), nil, []string{"events", "--db", db, "--format", "csv"}, strings.NewReader(""), slave, &errb)
	slave.Close()
	out := <-got
	if code != 0 {
		t.Fatalf("code %d: %s", code, errb.String())
	}
	if strings.ContainsRune(out, 0x1b) || strings.ContainsRune(out, 0x07) {
		t.Fatalf("escape written raw to the terminal: %q", out)
	}
	if !strings.Contains(out, `\x1b]0;pwned\x07`) || !strings.Contains(out, `\x1b[2J`) {
		t.Fatalf("escapes not shown: %q", out)
	}
}
