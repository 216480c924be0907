package tui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// langSetting is the database setting that remembers the interface
// language chosen with L, so the workbench opens in it next time.
const langSetting = "language"

// langName is what the L key offers: the other language, in its own
// words, so a person who cannot read the current one still finds it.
func langName(l i18n.Lang) string {
	if l == i18n.Chinese {
		return "中文"
	}
	return "English"
}

// otherLang is the language L switches to.
func otherLang() i18n.Lang {
	if i18n.Current() == i18n.Chinese {
		return i18n.English
	}
	return i18n.Chinese
}

// storedLang reads the language remembered in db; "" when none is, or
// when the value names no language (a hand-edited setting is ignored
// rather than stopping the workbench).
func storedLang(ctx context.Context, db *store.DB) i18n.Lang {
	v, err := db.Setting(ctx, langSetting, "")
	if err != nil || v == "" {
		return ""
	}
	l, ok := i18n.Parse(v)
	if !ok {
		return ""
	}
	return l
}

// useLang makes l the interface language: the key map's help texts are
// built in a language, so it is built again, and every tab runs again so
// the titles and notes its result carries are in l too.
func (m *Model) useLang(l i18n.Lang) tea.Cmd {
	if l == i18n.Current() {
		return nil
	}
	i18n.Set(l)
	m.sh.keys = DefaultKeyMap()
	// The language is part of each query's key: the tab runs again (or
	// comes from the cache) when its result is in the other language.
	return m.rerun()
}

// switchLang is the L key: the other language, remembered in the
// database's settings in the background (the in-memory sample forgets it
// when the workbench closes; a read-only file cannot keep it, which the
// footer says).
func (m *Model) switchLang() tea.Cmd {
	l := otherLang()
	rerun := m.useLang(l)
	m.setStatus(i18n.T("interface language: %s", langName(l)), false)
	db, ctx := m.sh.db, m.ctx
	if db == nil {
		return rerun
	}
	save := func() tea.Msg {
		if err := db.SetSetting(ctx, langSetting, string(l)); err != nil {
			return statusMsg{text: i18n.T("the language is not remembered in the database: %v", err), err: true}
		}
		return nil
	}
	return tea.Batch(rerun, save)
}
