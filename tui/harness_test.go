package tui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/spoorhq/spoor/store"
)

// harness drives the root model synchronously: every command runs at
// once and its message is fed back, except spinner ticks, which only
// animate. Elapsed times are pinned to zero so screens are stable.
type harness struct {
	t testing.TB
	m *Model
}

func newHarness(t *testing.T, w, h int) *harness {
	t.Helper()
	hs := startHarness(t, w, h, func(ctx context.Context) (*store.DB, string, error) {
		db, err := fixtureDB(ctx, 400, 1)
		return db, "fixture", err
	})
	if hs.m.sh.d == nil {
		t.Fatalf("the fixture did not load: %s", hs.m.status)
	}
	return hs
}

// fileHarness opens the workbench on the database file at path as its own
// opener does (writable when it can be).
func fileHarness(t *testing.T, path string, w, h int) *harness {
	t.Helper()
	return startHarness(t, w, h, func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(path, store.Options{})
		return db, path, err
	})
}

// startHarness starts the workbench with open at w x h, and closes
// whatever database it has open when the test ends.
func startHarness(t testing.TB, w, h int, open func(context.Context) (*store.DB, string, error)) *harness {
	m := New(context.Background(), open, false)
	m.sh.since = func(time.Time) time.Duration { return 0 }
	m.sh.countDelay = 0
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	t.Cleanup(func() {
		if m.sh.db != nil {
			m.sh.db.Close()
		}
	})
	return hs
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			h.t.Fatal("message loop does not settle")
		}
		msg := queue[0]
		queue = queue[1:]
		if _, ok := msg.(spinner.TickMsg); ok {
			continue
		}
		_, cmd := h.m.Update(msg)
		queue = append(queue, execute(cmd)...)
	}
}

func (h *harness) run(cmd tea.Cmd) {
	for _, msg := range execute(cmd) {
		h.send(msg)
	}
}

func execute(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, execute(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// keys types a sequence: words in <> are named keys, anything else is
// typed rune by rune.
func (h *harness) keys(seq ...string) {
	h.t.Helper()
	named := map[string]tea.KeyType{
		"<enter>": tea.KeyEnter, "<esc>": tea.KeyEsc, "<tab>": tea.KeyTab, "<shift+tab>": tea.KeyShiftTab,
		"<up>": tea.KeyUp, "<down>": tea.KeyDown, "<left>": tea.KeyLeft, "<right>": tea.KeyRight,
		"<ctrl+c>": tea.KeyCtrlC, "<ctrl+u>": tea.KeyCtrlU, "<ctrl+r>": tea.KeyCtrlR, "<backspace>": tea.KeyBackspace, "<shift+up>": tea.KeyShiftUp, "<shift+down>": tea.KeyShiftDown,
	}
	for _, s := range seq {
		if k, ok := named[s]; ok {
			h.send(tea.KeyMsg{Type: k})
			continue
		}
		for _, r := range s {
			h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		}
	}
}

func (h *harness) screen() string { return ansi.Strip(h.m.View()) }

func (h *harness) contains(want ...string) {
	h.t.Helper()
	s := h.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			h.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

// importedDB makes a database at path holding evs, imported as one file,
// and leaves it open for the test to add saved rules before it closes it.
func importedDB(t *testing.T, path string, evs []store.Event) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(path, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginImport(ctx, store.ImportInfo{File: filepath.Base(path) + ".csv", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := tx.Add(ctx, &evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx, store.ImportStats{RowsRead: int64(len(evs))}); err != nil {
		t.Fatal(err)
	}
	return db
}
