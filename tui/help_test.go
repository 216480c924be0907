package tui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestHelpFitsOrScrolls opens ? at 80x24 and 120x35: every key of the
// keymap is on the first screen, and scrolling reaches the text's end.
func TestHelpFitsOrScrolls(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 35}} {
		h := newHarness(t, size[0], size[1])
		h.keys("?")
		first := h.screen()
		for _, g := range h.m.sh.keys.FullHelp() {
			for _, b := range g {
				if !strings.Contains(first, b.Help().Key+" ") || !strings.Contains(first, b.Help().Desc) {
					t.Errorf("%dx%d: help lacks %q %q:\n%s", size[0], size[1], b.Help().Key, b.Help().Desc, first)
				}
			}
		}
		if strings.Contains(first, "…") {
			t.Errorf("%dx%d: help is cut:\n%s", size[0], size[1], first)
		}
		for i := 0; i < 40; i++ {
			h.keys("j")
		}
		h.contains("A=90,B=10 or even.")
		h.keys("<esc>")
		if len(h.m.pages) != 0 {
			t.Fatal("esc did not close help")
		}
	}
}

// TestUserListFilterShowsNoEscapes types a filter on a users page in
// colors: the input's cursor is drawn, not printed as \x1b[7m.
func TestUserListFilterShowsNoEscapes(t *testing.T) {
	defer lipgloss.SetColorProfile(lipgloss.ColorProfile())
	lipgloss.SetColorProfile(termenv.ANSI256)
	h := newHarness(t, 80, 24)
	h.keys("l", "<enter>", "/", "u0")
	view := h.m.View()
	if strings.Contains(view, `\x1b`) {
		t.Fatalf("escape shown as text:\n%s", view)
	}
	if !strings.Contains(h.screen(), "/u0") {
		t.Fatalf("the filter is not on screen:\n%s", h.screen())
	}
}

// TestKeyTableIsTheOneSource: every binding of KeyMap is set from
// keyTable (a field added without a row would match no key), each key
// string is bound once, and the ? screen lists every row that has a
// column, in the table's order.
func TestKeyTableIsTheOneSource(t *testing.T) {
	k := DefaultKeyMap()
	v := reflect.ValueOf(k)
	for i := 0; i < v.NumField(); i++ {
		if b, ok := v.Field(i).Interface().(key.Binding); ok && len(b.Keys()) == 0 {
			t.Errorf("KeyMap.%s has no keys: give it a row of keyTable", v.Type().Field(i).Name)
		}
	}
	owner := map[string]string{}
	var listed []string
	for _, d := range keyTable {
		for _, s := range d.keys {
			if o, dup := owner[s]; dup {
				t.Errorf("key %q bound by %q and %q", s, o, d.help)
			}
			owner[s] = d.help
		}
		if d.column >= 0 {
			listed = append(listed, d.help)
		}
	}
	var shown []string
	for _, col := range k.FullHelp() {
		for _, b := range col {
			shown = append(shown, b.Help().Key)
		}
	}
	if !reflect.DeepEqual(shown, listed) {
		t.Errorf("? lists %q, the table %q", shown, listed)
	}
}
