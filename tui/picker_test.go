package tui

import (
	"context"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// TestTypedValueWinsOverSuggestion: a picker that reads typed values
// takes what was typed, not the preset it happens to match.
func TestTypedValueWinsOverSuggestion(t *testing.T) {
	h := newHarness(t, 100, 30)
	// Funnel window: 3d, not 30d.
	goRow(t, h, "window")
	h.keys("<enter>", "3d")
	h.contains("enter → window 3d")
	h.keys("<enter>")
	if q := funnelQ(t, h); q.Window != "3d" {
		t.Fatalf("window %q after typing 3d", q.Window)
	}
	if got := h.m.tab().res.(*funnelResult).r.WindowSeconds; got != 3*86400 {
		t.Fatalf("result window %v s", got)
	}
	// The arrows still pick a suggestion.
	h.keys("<enter>", "3d", "<down>", "<enter>")
	if q := funnelQ(t, h); q.Window != "30d" {
		t.Fatalf("window %q after moving to the 30d suggestion", q.Window)
	}
	// Range: 3d is the last three days.
	h.keys("t", "3d", "<enter>")
	if c := funnelQ(t, h).Common; c.Last != "3d" {
		t.Fatalf("range %+v after typing 3d", c)
	}

	// Paths depth: 0 is refused in place (it used to give 10), 1 is the
	// exact preset, 12 is typed.
	h.keys("3")
	paths := func() query.PathsQuery { return h.m.tab().a.(*paths).q }
	goRow(t, h, "depth")
	h.keys("<enter>", "0", "<enter>")
	if _, open := h.m.dlg.(*picker); !open || paths().Depth != 0 {
		t.Fatalf("depth 0 accepted as %d", paths().Depth)
	}
	h.contains("depth: a number of steps from 1 to 15")
	h.keys("<backspace>", "1", "<enter>")
	if d := paths().Depth; d != 1 {
		t.Fatalf("depth %d after typing 1", d)
	}
	h.keys("<enter>", "12", "<enter>")
	if d := paths().Depth; d != 12 || h.m.tab().res.(*pathsResult).r.Depth != 12 {
		t.Fatalf("depth %d after typing 12", d)
	}
}

func TestExactNameLeadsThePicker(t *testing.T) {
	p := newPicker("Event", namedList([]string{"page_view", "view_item_list", "view"}), false, nil)
	for _, r := range "view" {
		p.update(&shared{keys: DefaultKeyMap()}, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	if got := p.itemAt(0).name; got != "view" {
		t.Fatalf("first match %q for an exact name", got)
	}
}

// TestFilterValueTakesOperators types conditions at the value prompt of
// the filter row: each is added as typed, shown first as the filter it
// makes, and the chart is the engine's for that filter.
func TestFilterValueTakesOperators(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("1")
	goRow(t, h, "event1")
	h.keys("<enter>", "purchase", "<enter>")
	trendsQ := func() query.TrendsQuery { return h.m.tab().a.(*trends).q }
	for _, c := range []struct{ prop, typed, want string }{
		{"revenue", "> 100", "revenue > 100"},
		{"country", "!= US", "country != US"},
		{"country", "in (CN, DE)", "country in (CN, DE)"},
		{"device", "contains o", "device contains o"},
		{"revenue", "is set", "revenue is set"},
		{"country", "IN", "country = IN"}, // a value, not the in operator
	} {
		goRow(t, h, "where")
		h.keys("<enter>", c.prop, "<enter>", c.typed)
		h.contains("enter → filter " + c.want)
		h.keys("<enter>")
		q := trendsQ()
		if !reflect.DeepEqual(q.Where, []string{c.want}) {
			t.Fatalf("typed %q: where %q", c.typed, q.Where)
		}
		want, err := h.m.sh.d.Trends(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		got := h.m.tab().res.(*trendsResult).full
		if got.Series[0].Total != want.Series[0].Total {
			t.Fatalf("%s: %v shown, engine %v", c.want, got.Series[0].Total, want.Series[0].Total)
		}
		if c.want == "revenue > 100" && want.Series[0].Total == 0 {
			t.Fatal("the fixture has purchases over 100; the filter matched none")
		}
		goRow(t, h, "where")
		h.keys("d")
	}
	// A broken condition stays in the prompt with the parser's words.
	goRow(t, h, "where")
	h.keys("<enter>", "revenue", "<enter>", "> lots", "<enter>")
	if _, open := h.m.dlg.(*picker); !open {
		t.Fatal("a broken condition closed the prompt")
	}
	h.contains("is not a number")
	if q := trendsQ(); len(q.Where) != 0 {
		t.Fatalf("where %q after a broken condition", q.Where)
	}
	// A stored value picked from the list is still k = v.
	h.keys("<esc>")
	goRow(t, h, "where")
	h.keys("<enter>", "country", "<enter>", "<down>", "<enter>")
	if q := trendsQ(); len(q.Where) != 1 || q.Where[0] != "country = US" && q.Where[0] != "country = CN" && q.Where[0] != "country = DE" {
		t.Fatalf("where %q after picking a listed value", q.Where)
	}
}

// TestDialogOverlaysTheScreen: a picker is drawn over the tab, which
// stays visible around it, and no line grows past the width.
func TestDialogOverlaysTheScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 35}} {
		h := newHarness(t, size[0], size[1])
		h.keys("j", "<enter>")
		h.contains("Step 2 event", "Funnel query", "Funnel · ordered", "step 1", "by ")
		for i, l := range strings.Split(h.screen(), "\n") {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%dx%d line %d is %d cells: %q", size[0], size[1], i, w, l)
			}
		}
	}
}

// Issue 18: under Chinese a picker matches what is typed against the
// English name as well as the shown label: typing ordered finds 有序,
// typing 严格 still finds 严格, and either picks the keyword the spec
// keeps; a name match marks no characters of the label.
func TestPickerMatchesNameAndLabel(t *testing.T) {
	inLang(t, i18n.Chinese)
	h := newHarness(t, 100, 30)
	h.keys("2")
	for _, c := range []struct{ typed, shown, mode string }{
		{"ordered", "有序", "ordered"}, {"strict", "严格", "strict"}, {"严格", "严格", "strict"},
		{"any", "任意顺序", "any"}, {"stri", "严格", "strict"},
	} {
		goRow(t, h, "模式")
		h.keys("<enter>", c.typed)
		p, ok := h.m.dlg.(*picker)
		if !ok {
			t.Fatalf("%s: no picker open: %T", c.typed, h.m.dlg)
		}
		if p.visible() == 0 {
			t.Errorf("typing %q: no item, want %s", c.typed, c.shown)
		} else if got := p.itemAt(0).shown(); got != c.shown {
			t.Errorf("typing %q: first item %s of %d, want %s", c.typed, got, p.visible(), c.shown)
		}
		h.keys("<enter>")
		if q := funnelQ(t, h); q.Mode != c.mode {
			t.Errorf("typing %q picked mode %q, want %s", c.typed, q.Mode, c.mode)
		}
	}
	// Names match only where they differ from what is shown; the marks
	// fall on the label only when the label matched.
	items := []named{{name: "ordered", label: "有序"}, {name: "strict", label: "严格"}, {name: "page_view"}}
	ms := pickerMatches("ordered", items)
	if len(ms) != 1 || ms[0].Index != 0 || ms[0].MatchedIndexes != nil {
		t.Errorf("ordered: %+v", ms)
	}
	ms = pickerMatches("有", items)
	if len(ms) != 1 || ms[0].Index != 0 || len(ms[0].MatchedIndexes) != 1 {
		t.Errorf("有: %+v", ms)
	}
	if ms = pickerMatches("view", items); len(ms) != 1 || ms[0].Index != 2 || len(ms[0].MatchedIndexes) != 4 {
		t.Errorf("view: %+v", ms)
	}
	if ms = pickerMatches("xyz", items); len(ms) != 0 {
		t.Errorf("xyz: %+v", ms)
	}
}
