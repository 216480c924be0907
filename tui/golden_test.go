package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current screens")

// golden compares a screen with testdata/NAME.golden, or rewrites the file
// under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./tui -run %s -update creates it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("screen differs from %s (go test ./tui -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// TestGoldenScreens compares every tab at 80x24 and 120x40, on the fixed
// fixture, with testdata/<tab>_<w>x<h>.golden (ANSI stripped).
func TestGoldenScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for tab, name := range tabNames {
			t.Run(fmt.Sprintf("%s_%dx%d", name, size[0], size[1]), func(t *testing.T) {
				h := newHarness(t, size[0], size[1])
				h.keys(string(rune('1' + tab)))
				golden(t, fmt.Sprintf("%s_%dx%d", strings.ToLower(name), size[0], size[1]), h.screen())
			})
		}
	}
}

// TestGoldenDialogs pins the picker and the help screen.
func TestGoldenDialogs(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []string
	}{
		{"picker", []string{"j", "<enter>", "优惠"}},
		{"help", []string{"?"}},
		{"drill", []string{"l", "j", "<enter>"}},
		{"segments_preview", []string{"7", "j", "<enter>", "did purchase >= 2 in 30d", "<enter>"}},
		{"segments_saved", []string{"7", "j", "<enter>", "did purchase >= 2", "<enter>", "j", "<enter>", "buyers", "<enter>", "j", "<enter>", "<enter>", "l"}},
		{"segments_rfm", []string{"7", "<enter>", "rfm", "<enter>"}},
		{"segments_expr_error", []string{"7", "j", "<enter>", "did purchase >= 2 in"}},
		{"experiments_funnel", []string{"8", "j", "j", "<enter>", "add_to_cart", "<enter>", "a", "purchase", "<enter>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, 80, 24)
			h.keys(c.keys...)
			golden(t, c.name+"_80x24", h.screen())
		})
	}
}
