package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/segment"
)

// exportList presses e on the open users page, picks format, checks the
// file name offered, and writes to a file in dir; it returns the bytes.
func exportList(t *testing.T, h *harness, format, wantFile, dir string) []byte {
	t.Helper()
	h.keys("e", format, "<enter>")
	pr, ok := h.m.dlg.(*prompt)
	if !ok {
		t.Fatalf("e then %s opened %T (status %q)", format, h.m.dlg, h.m.status)
	}
	if got := pr.input.Value(); got != wantFile {
		t.Fatalf("export offers %q, want %q", got, wantFile)
	}
	path := filepath.Join(dir, wantFile)
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.keys(path, "<enter>")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("export wrote nothing: %v (status %q)", err, h.m.status)
	}
	return b
}

// stderrOf returns what keys wrote to stderr, where OSC 52 goes.
func stderrOf(t *testing.T, h *harness, keys ...string) []byte {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	h.keys(keys...)
	os.Stderr = saved
	f.Close()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyList presses y and returns what the OSC 52 sequence carries,
// decoded.
func copyList(t *testing.T, h *harness) string {
	t.Helper()
	// Outside tmux and screen: one plain sequence.
	t.Setenv("TMUX", "")
	t.Setenv("TERM", "xterm-256color")
	seq := stderrOf(t, h, "y")
	body, ok := bytes.CutPrefix(seq, []byte("\x1b]52;c;"))
	if !ok || !bytes.HasSuffix(body, []byte("\a")) {
		t.Fatalf("y wrote %q, not one OSC 52 sequence (status %q)", seq, h.m.status)
	}
	data, err := base64.StdEncoding.DecodeString(string(bytes.TrimSuffix(body, []byte("\a"))))
	if err != nil {
		t.Fatalf("OSC 52 payload: %v", err)
	}
	return string(data)
}

// checkUserList exports the open page as CSV and JSON and copies it, and
// compares all three with the users the engine lists for the same query:
// CSV a "user" column, JSON [{"user": ...}], the clipboard a Markdown
// table titled with the list's name. The status line says what happened.
func checkUserList(t *testing.T, h *harness, name, file string, want []string) {
	t.Helper()
	p, ok := topPage(t, h).(*listPage)
	if !ok || p.users == nil {
		t.Fatalf("%s: the open page %T holds no users", name, topPage(t, h))
	}
	h.contains("e export · y copy · esc back")
	n := thousands(len(want))
	dir := t.TempDir()

	b := exportList(t, h, "csv", file+".csv", dir)
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s csv: %v\n%s", name, err, b)
	}
	wantRows := [][]string{{"user"}}
	for _, u := range want {
		wantRows = append(wantRows, []string{u})
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Fatalf("%s csv: %d rows, the engine lists %d users\n%.300s", name, len(rows)-1, len(want), b)
	}
	if st := "exported " + n + " users (" + name + ") to " + filepath.Join(dir, file+".csv"); h.m.status != st {
		t.Fatalf("status %q, want %q", h.m.status, st)
	}

	b = exportList(t, h, "json", file+".json", dir)
	var objs []map[string]string
	if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatalf("%s json: %v\n%.300s", name, err, b)
	}
	got := []string{}
	for _, o := range objs {
		if len(o) != 1 {
			t.Fatalf("%s json: object %v has other keys than user", name, o)
		}
		got = append(got, o["user"])
	}
	if !reflect.DeepEqual(got, append([]string{}, want...)) {
		t.Fatalf("%s json: %d users, the engine lists %d", name, len(got), len(want))
	}
	if topPage(t, h) != page(p) {
		t.Fatalf("%s: export closed the users page", name)
	}

	md := "### " + name + "\n\n| user |\n|---|\n"
	for _, u := range want {
		md += "| " + u + " |\n"
	}
	if got := copyList(t, h); got != md {
		t.Fatalf("%s: copied\n%s\nwant\n%s", name, got, md)
	}
	if st := "copied " + n + " users (" + name + ") as Markdown (OSC 52)"; h.m.status != st {
		t.Fatalf("status %q, want %q", h.m.status, st)
	}
	// The Markdown file is what y copies.
	if b := exportList(t, h, "markdown", file+".md", dir); string(b) != md {
		t.Fatalf("%s markdown file:\n%s\nwant\n%s", name, b, md)
	}
}

func TestFunnelDroppedUsersExportAndCopy(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("l", "j", "<enter>")
	r, err := h.m.sh.d.Funnel(context.Background(), funnelQ(t, h))
	if err != nil {
		t.Fatal(err)
	}
	want := r.DroppedAt(1)
	if len(want) == 0 || len(want) != r.Steps[1].DropOff {
		t.Fatalf("the fixture drops %d users after step 2 (drop-off %d): nothing to check", len(want), r.Steps[1].DropOff)
	}
	checkUserList(t, h, "Dropped off after step 2 view_item", "funnel-dropped-off-after-step-2-view-item-users", want)

	// The last step lists who converted, and exports them the same way.
	h.keys("<esc>")
	for range r.Steps {
		h.keys("j")
	}
	h.keys("<enter>")
	last := len(r.Steps) - 1
	name := "Converted: reached step " + string(rune('1'+last)) + " " + r.Steps[last].Event
	checkUserList(t, h, name, "funnel-converted-reached-step-"+string(rune('1'+last))+"-"+r.Steps[last].Event+"-users", r.UsersAt(last))
}

func TestRetentionCellUsersExportAndCopy(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("4", "l", "j", "l")
	q := h.m.tabs[tabRetention].a.(*retention).q
	r, err := h.m.sh.d.Retention(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	h.keys("<enter>")
	want := r.CellUsers(1, 1)
	if len(want) == 0 || len(want) != r.Cohorts[1].Retained[1] {
		t.Fatalf("cell (1,1) has %d users (retained %d): nothing to check", len(want), r.Cohorts[1].Retained[1])
	}
	start := r.Cohorts[1].Start
	checkUserList(t, h, "Cohort "+start+", "+r.Period+" 1", "retention-cohort-"+start+"-"+r.Period+"-1-users", want)
}

func TestRFMTierUsersExportAndCopy(t *testing.T) {
	h := newHarness(t, 120, 40)
	h.keys("7", "<enter>", "rfm", "<enter>", "l", "j", "<enter>")
	rep, users, err := segment.RFM(context.Background(), h.m.sh.d, segment.RFMOptions{Revenue: segTab(h).Revenue})
	if err != nil {
		t.Fatal(err)
	}
	tier := rep.Tiers[1]
	var want []string
	for _, u := range users {
		if u.Tier == tier.Name {
			want = append(want, u.User)
		}
	}
	if len(want) == 0 || len(want) != tier.Users {
		t.Fatalf("tier %s has %d users (counted %d): nothing to check", tier.Name, len(want), tier.Users)
	}
	checkUserList(t, h, tier.Name, "segments-"+strings.ReplaceAll(tier.Name, " ", "-")+"-users", want)
}

// Lists that are not users (property values, saved analyses) keep e and
// y to themselves: no dialog, nothing copied.
func TestOnlyUserListsExport(t *testing.T) {
	h := newHarness(t, 100, 30)
	h.keys("6")
	goRow(t, h, "show")
	h.keys("<enter>", "properties", "<enter>", "l", "<enter>")
	p, ok := topPage(t, h).(*listPage)
	if !ok || p.users != nil || !strings.HasPrefix(p.title, "Values of ") {
		t.Fatalf("enter on a property opened %T %q", topPage(t, h), p.title)
	}
	h.keys("e")
	if h.m.dlg != nil {
		t.Fatalf("e on a values list opened %T", h.m.dlg)
	}
	if got := stderrOf(t, h, "y"); len(got) != 0 || h.m.status != "" {
		t.Fatalf("y on a values list wrote %q, status %q", got, h.m.status)
	}
	if strings.Contains(h.screen(), "e export") {
		t.Fatal("the values list's footer offers e export")
	}
}

func TestListFileNames(t *testing.T) {
	for _, c := range []struct{ kind, name, want string }{
		{"funnel", "Dropped off after step 2 view_item", "funnel-dropped-off-after-step-2-view-item-users"},
		{"retention", "Cohort 2026-06-01, day 3", "retention-cohort-2026-06-01-day-3-users"},
		{"explore", "Users who did 注册", "explore-users-who-did-注册"},
		{"segments", "audience cart|abandon", "segments-audience-cart-abandon-users"},
		{"experiment", "Variant B", "experiment-variant-b-users"},
		{"segments", "--", "segments-users"},
		{"funnel", "\x1b[31mred", "funnel-31mred-users"},
	} {
		if got := listFile(c.kind, c.name); got != c.want {
			t.Errorf("listFile(%q, %q) = %q, want %q", c.kind, c.name, got, c.want)
		}
	}
}

// An empty list still exports a well-formed file: a header, [] and an
// empty table, so a script reading it needs no special case.
func TestEmptyUserListRenders(t *testing.T) {
	l := newUserList("funnel", "Dropped off after step 1 a", nil)
	for format, want := range map[string]string{
		"csv":      "user\n",
		"json":     "[]\n",
		"markdown": "### Dropped off after step 1 a\n\n| user |\n|---|\n",
	} {
		b, err := l.render(format)
		if err != nil || string(b) != want {
			t.Errorf("%s: %q (%v), want %q", format, b, err, want)
		}
	}
}
