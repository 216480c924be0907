package tui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/spoorhq/spoor/i18n"
)

// KeyMap is every key of the workbench, built from keyTable: the code
// matches these bindings, and the footer's short help and the ? screen
// show them, so the three never disagree.
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

// keyDef is one key of keyTable: the KeyMap field it sets (nil for a
// line of help only), the ? screen's column it is listed in (-1: not
// listed, its help is another key's), the keys it matches, and its help.
type keyDef struct {
	field  func(*KeyMap) *key.Binding
	column int
	keys   []string
	help   string
	desc   string // a catalog key (i18n.N), shown with i18n.Text
}

// keyTable is every key once, in the ? screen's order: vim keys and
// arrows side by side.
var keyTable = []keyDef{
	{func(k *KeyMap) *key.Binding { return &k.NextTab }, 0, []string{"tab"}, "tab", i18n.N("next tab")},
	{func(k *KeyMap) *key.Binding { return &k.PrevTab }, 0, []string{"shift+tab"}, "shift+tab", i18n.N("previous tab")},
	{nil, 0, []string{"1"}, "1-8", i18n.N("tab by number")}, // KeyMap.Tabs; the tab bar names them
	{func(k *KeyMap) *key.Binding { return &k.Up }, 1, []string{"k", "up"}, "↑/k", i18n.N("up")},
	{func(k *KeyMap) *key.Binding { return &k.Down }, 1, []string{"j", "down"}, "↓/j", i18n.N("down")},
	{func(k *KeyMap) *key.Binding { return &k.Left }, 1, []string{"h", "left"}, "←/h/<", i18n.N("panel; wide table left")},
	{func(k *KeyMap) *key.Binding { return &k.Right }, 1, []string{"l", "right"}, "→/l/>", i18n.N("results; wide table right")},
	{func(k *KeyMap) *key.Binding { return &k.ScrollLeft }, -1, []string{"<"}, "</←", i18n.N("table left")},
	{func(k *KeyMap) *key.Binding { return &k.ScrollRight }, -1, []string{">"}, ">/→", i18n.N("table right")},
	{func(k *KeyMap) *key.Binding { return &k.Enter }, 1, []string{"enter"}, "enter", i18n.N("edit / users")},
	{func(k *KeyMap) *key.Binding { return &k.InProgress }, 1, []string{"p"}, "p", i18n.N("in progress")},
	{func(k *KeyMap) *key.Binding { return &k.Back }, 1, []string{"esc"}, "esc", i18n.N("back")},
	{func(k *KeyMap) *key.Binding { return &k.Filter }, 1, []string{"/"}, "/", i18n.N("filter list")},
	{func(k *KeyMap) *key.Binding { return &k.Add }, 2, []string{"a"}, "a", i18n.N("add")},
	{func(k *KeyMap) *key.Binding { return &k.Delete }, 2, []string{"d", "x", "delete"}, "d/x", i18n.N("remove")},
	{func(k *KeyMap) *key.Binding { return &k.MoveUp }, 2, []string{"K", "shift+up"}, "K/⇧↑", i18n.N("move up")},
	{func(k *KeyMap) *key.Binding { return &k.MoveDown }, 2, []string{"J", "shift+down"}, "J/⇧↓", i18n.N("move down")},
	{func(k *KeyMap) *key.Binding { return &k.StepFilter }, 2, []string{"f"}, "f", i18n.N("filter")},
	{func(k *KeyMap) *key.Binding { return &k.Range }, 2, []string{"t"}, "t", i18n.N("date range")},
	{func(k *KeyMap) *key.Binding { return &k.Forecast }, 2, []string{"F"}, "F", i18n.N("forecast")},
	{func(k *KeyMap) *key.Binding { return &k.Why }, 2, []string{"w"}, "w", i18n.N("why (anomaly)")},
	{func(k *KeyMap) *key.Binding { return &k.Backtest }, 2, []string{"b"}, "b", i18n.N("back-test audience")},
	{func(k *KeyMap) *key.Binding { return &k.Save }, 3, []string{"s"}, "s", i18n.N("save analysis")},
	{func(k *KeyMap) *key.Binding { return &k.Open }, 3, []string{"o"}, "o", i18n.N("open saved")},
	{func(k *KeyMap) *key.Binding { return &k.Export }, 3, []string{"e"}, "e", i18n.N("export result")},
	{func(k *KeyMap) *key.Binding { return &k.Copy }, 3, []string{"y"}, "y", i18n.N("copy result")},
	{func(k *KeyMap) *key.Binding { return &k.Import }, 3, []string{"I"}, "I", i18n.N("import file")},
	{func(k *KeyMap) *key.Binding { return &k.Reload }, 3, []string{"ctrl+r"}, "ctrl+r", i18n.N("reload data")},
	{func(k *KeyMap) *key.Binding { return &k.Lang }, 3, []string{"L"}, "L", ""}, // the other language's own name: langName
	{func(k *KeyMap) *key.Binding { return &k.Help }, 3, []string{"?"}, "?", i18n.N("all keys")},
	{func(k *KeyMap) *key.Binding { return &k.Quit }, 3, []string{"q"}, "q", i18n.N("quit")},
	{func(k *KeyMap) *key.Binding { return &k.ForceQuit }, 3, []string{"ctrl+c"}, "ctrl+c", i18n.N("quit now")},
}

// binding is d's key binding, its help in the interface language.
func (d keyDef) binding() key.Binding {
	desc := langName(otherLang())
	if d.desc != "" {
		desc = i18n.Text(d.desc)
	}
	return key.NewBinding(key.WithKeys(d.keys...), key.WithHelp(d.help, desc))
}

// DefaultKeyMap is keyTable's bindings, with help in the interface
// language (made again when the language changes).
func DefaultKeyMap() KeyMap {
	var k KeyMap
	for _, d := range keyTable {
		if d.field != nil {
			*d.field(&k) = d.binding()
		}
	}
	for i := range k.Tabs {
		n := string(rune('1' + i))
		k.Tabs[i] = key.NewBinding(key.WithKeys(n), key.WithHelp(n, i18n.Text(tabNames[i])))
	}
	return k
}

// as is b's keys under another help: the footer names what a key does
// where it is shown (→ reads "results" on the panel).
func as(b key.Binding, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(help, desc))
}

// ShortHelp is what the footer shows on an analysis tab.
func (k KeyMap) ShortHelp() []key.Binding {
	results := as(k.Right, "→/l", i18n.T("results"))
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
		keys = append(keys, k.Up, as(k.Enter, "enter", enter))
	case items:
		keys = append(keys, k.Up)
	default:
		keys = append(keys, as(k.Up, "↑↓", i18n.T("scroll")))
	}
	keys = append(keys, extra...)
	if wide {
		keys = append(keys, as(k.ScrollRight, "←→", i18n.T("scroll table")))
	}
	return append(keys, as(k.Left, "←/h", i18n.T("query panel")), k.Export, k.Copy, k.Save, k.Help, k.Quit)
}

// FullHelp is the ? screen: keyTable's listed keys, a column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for _, d := range keyTable {
		if d.column < 0 {
			continue
		}
		for len(cols) <= d.column {
			cols = append(cols, nil)
		}
		b := d.binding()
		if d.field != nil {
			b = *d.field(&k)
		}
		cols[d.column] = append(cols[d.column], b)
	}
	return cols
}
