package tui

import (
	"context"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// inLang runs the rest of a test in language l and gives English back
// after it: the language is process-wide and other tests read English.
func inLang(t *testing.T, l i18n.Lang) {
	t.Helper()
	i18n.Set(l)
	t.Cleanup(func() { i18n.Set(i18n.English) })
}

// TestLangKeyRemembered: L switches the whole screen to Chinese and back,
// the choice is stored in the database's settings, the next workbench on
// that file opens in it, and --lang / $SPOOR_LANG (keepLang) win over it.
func TestLangKeyRemembered(t *testing.T) {
	inLang(t, i18n.English)
	path := filepath.Join(t.TempDir(), "lang.db")
	importedDB(t, path, []store.Event{
		{User: "u1", Name: "visit", Time: 1_780_000_000_000},
		{User: "u1", Name: "buy", Time: 1_780_000_100_000},
	}).Close()

	h := fileHarness(t, path, 100, 30)
	h.contains("Funnel query", "L 中文")
	h.keys("L")
	if i18n.Current() != i18n.Chinese {
		t.Fatalf("L left the language %s", i18n.Current())
	}
	h.contains("漏斗查询", "2 漏斗", "界面语言：中文", "L English", "全部按键")
	stored, err := h.m.sh.db.Setting(context.Background(), langSetting, "")
	if err != nil || stored != "zh" {
		t.Fatalf("stored language %q, %v; want zh", stored, err)
	}

	// A new workbench on the file, in English as the locale would give,
	// opens in the remembered Chinese...
	i18n.Set(i18n.English)
	h2 := fileHarness(t, path, 100, 30)
	if i18n.Current() != i18n.Chinese {
		t.Fatalf("reopened in %s, want the remembered zh", i18n.Current())
	}
	h2.contains("漏斗查询", "L English")
	// ...and L back to English is remembered too.
	h2.keys("L")
	h2.contains("Funnel query", "interface language: English")
	if v, _ := h2.m.sh.db.Setting(context.Background(), langSetting, ""); v != "en" {
		t.Fatalf("stored %q after L, want en", v)
	}

	// --lang or $SPOOR_LANG chose Chinese: the remembered English does not
	// replace it.
	i18n.Set(i18n.Chinese)
	m := New(context.Background(), func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(path, store.Options{})
		return db, path, err
	}, false)
	m.keepLang = true
	h3 := &harness{t: t, m: m}
	t.Cleanup(func() {
		if m.sh.db != nil {
			m.sh.db.Close()
		}
	})
	h3.run(m.Init())
	h3.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	if i18n.Current() != i18n.Chinese {
		t.Fatalf("keepLang: the stored en replaced the chosen zh")
	}
	h3.contains("漏斗查询")
}
