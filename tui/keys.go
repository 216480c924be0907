package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/spoorhq/spoor/i18n"
)

// KeyMap is every key of the workbench. The same struct feeds the footer's
// short help and the ? screen, so the two never disagree with the code.
type KeyMap struct {
	Quit, ForceQuit, Help         key.Binding
	Lang                          key.Binding // the other interface language, remembered in the database
	NextTab, PrevTab              key.Binding
	Tabs                          [8]key.Binding
	Up, Down, Left, Right         key.Binding
	Enter, Back, Filter           key.Binding
	ScrollLeft, ScrollRight       key.Binding // a wide table sideways (← → too where they do not move a selection)
	InProgress                    key.Binding // a funnel step's users whose window is still open
	Forecast, Why                 key.Binding // the trends chart's forecast; why its selected anomaly moved
	Backtest                      key.Binding // replay the selected saved audience over the last days
	Add, Delete, MoveUp, MoveDown key.Binding
	StepFilter                    key.Binding
	Range                         key.Binding
	Save, Open, Export, Copy      key.Binding
	Import, Reload                key.Binding
}

// DefaultKeyMap has vim keys and arrows side by side.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", i18n.T("quit"))),
		ForceQuit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", i18n.T("quit now"))),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", i18n.T("all keys"))),
		Lang:        key.NewBinding(key.WithKeys("L"), key.WithHelp("L", langName(otherLang()))),
		NextTab:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", i18n.T("next tab"))),
		PrevTab:     key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", i18n.T("previous tab"))),
		Up:          key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", i18n.T("up"))),
		Down:        key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", i18n.T("down"))),
		Left:        key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h/<", i18n.T("panel; wide table left"))),
		Right:       key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l/>", i18n.T("results; wide table right"))),
		ScrollLeft:  key.NewBinding(key.WithKeys("<"), key.WithHelp("</←", i18n.T("table left"))),
		ScrollRight: key.NewBinding(key.WithKeys(">"), key.WithHelp(">/→", i18n.T("table right"))),
		Enter:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", i18n.T("edit / users"))),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", i18n.T("back"))),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", i18n.T("filter list"))),
		InProgress:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", i18n.T("in progress"))),
		Forecast:    key.NewBinding(key.WithKeys("F"), key.WithHelp("F", i18n.T("forecast"))),
		Why:         key.NewBinding(key.WithKeys("w"), key.WithHelp("w", i18n.T("why (anomaly)"))),
		Backtest:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", i18n.T("back-test audience"))),
		Add:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", i18n.T("add"))),
		Delete:      key.NewBinding(key.WithKeys("d", "x", "delete"), key.WithHelp("d/x", i18n.T("remove"))),
		MoveUp:      key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K/⇧↑", i18n.T("move up"))),
		MoveDown:    key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J/⇧↓", i18n.T("move down"))),
		StepFilter:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", i18n.T("filter"))),
		Range:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", i18n.T("date range"))),
		Save:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", i18n.T("save analysis"))),
		Open:        key.NewBinding(key.WithKeys("o"), key.WithHelp("o", i18n.T("open saved"))),
		Export:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", i18n.T("export result"))),
		Copy:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", i18n.T("copy result"))),
		Import:      key.NewBinding(key.WithKeys("I"), key.WithHelp("I", i18n.T("import file"))),
		Reload:      key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", i18n.T("reload data"))),
	}
	for i := range k.Tabs {
		d := string(rune('1' + i))
		k.Tabs[i] = key.NewBinding(key.WithKeys(d), key.WithHelp(d, i18n.Text(tabNames[i])))
	}
	return k
}

// ShortHelp is what the footer shows on an analysis tab.
func (k KeyMap) ShortHelp() []key.Binding {
	results := key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", i18n.T("results")))
	return []key.Binding{k.Help, k.Lang, k.Enter, k.Add, k.Delete, k.StepFilter, k.Range, results, k.NextTab, k.Quit}
}

// ResultsHelp is the footer while the chart has focus; extra are the
// keys the result handles itself (the funnel's p), shown beside Enter;
// items says the result has items to select (not on Paths or Lifecycle,
// whose charts have nothing to select) and enter names what Enter does on
// one ("" for nothing); wide says the tables are wider than the screen.
func (k KeyMap) ResultsHelp(items bool, enter string, wide bool, extra ...key.Binding) []key.Binding {
	var keys []key.Binding
	switch {
	case items && enter != "":
		keys = append(keys, k.Up, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", enter)))
	case items:
		keys = append(keys, k.Up)
	default:
		keys = append(keys, key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑↓", i18n.T("scroll"))))
	}
	keys = append(keys, extra...)
	if wide {
		keys = append(keys, key.NewBinding(key.WithKeys(">"), key.WithHelp("←→", i18n.T("scroll table"))))
	}
	panel := key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", i18n.T("query panel")))
	return append(keys, panel, k.Export, k.Copy, k.Save, k.Help, k.Quit)
}

// FullHelp is the ? screen, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	// One line for 1-8: the tab bar names them.
	byNumber := key.NewBinding(key.WithKeys("1"), key.WithHelp("1-8", i18n.T("tab by number")))
	return [][]key.Binding{
		{k.NextTab, k.PrevTab, byNumber},
		{k.Up, k.Down, k.Left, k.Right, k.Enter, k.InProgress, k.Back, k.Filter},
		{k.Add, k.Delete, k.MoveUp, k.MoveDown, k.StepFilter, k.Range, k.Forecast, k.Why, k.Backtest},
		{k.Save, k.Open, k.Export, k.Copy, k.Import, k.Reload, k.Lang, k.Help, k.Quit, k.ForceQuit},
	}
}
