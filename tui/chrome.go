package tui

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// header: the database, event and user counts, the range in effect and
// the timezone. A local database and a ClickHouse table read alike; on a
// narrow screen the source gives way to its short name (the file's base
// name, the table's) before the counts are compacted.
func (m *Model) header() string {
	st, w := m.sh.st, m.sh.width
	var events, users int
	var rng, short string
	var loc *time.Location
	switch {
	case m.sh.remote != nil:
		events, users, rng = m.remoteCounts()
		loc, short = time.UTC, m.sh.remote.src.Table
	case m.sh.d != nil:
		events, users, rng = m.localCounts()
		loc, short = m.sh.d.Loc, filepath.Base(m.sh.source)
	default:
		return clip(st.Header.Render("spoor"), w)
	}
	fits := func(left, right string) bool { return lipgloss.Width(left)+1+lipgloss.Width(right) <= w }
	left := st.Header.Render("spoor") + " " + st.Value.Render(truncate(m.sh.source, w))
	right := st.HeaderDim.Render(i18n.T("%s events · %s users · %s · %s", thousands(events), thousands(users), rng, loc))
	if !fits(left, right) {
		left = st.Header.Render("spoor") + " " + st.Value.Render(truncate(short, 24))
	}
	if !fits(left, right) {
		right = st.HeaderDim.Render(i18n.T("%s ev · %s users · %s · %s", compact(events), compact(users), rng, loc))
	}
	if !fits(left, right) {
		left = st.Header.Render("spoor")
		right = st.HeaderDim.Render(i18n.T("%s ev·%s u·%s·%s", compact(events), compact(users), strings.ReplaceAll(rng, " ", ""), loc))
	}
	return joinHeader(left, right, w)
}

// localCounts are the header's counts and range on a local database.
func (m *Model) localCounts() (events, users int, rng string) {
	d := m.sh.d
	rng = i18n.T("all time")
	if t := m.tab(); t.a != nil {
		// Only the range: filters could load property columns and a --tz
		// would read the zone database, and View must not do I/O.
		c := t.a.common()
		if s, err := d.Resolve(context.Background(), query.Common{Last: c.Last, From: c.From, To: c.To}); err == nil && d.Len() > 0 {
			rng = day(s.From, s.Loc) + " → " + day(s.To-1, s.Loc)
		}
	} else if d.Len() > 0 {
		rng = day(d.MinTime, d.Loc) + " → " + day(d.MaxTime, d.Loc)
	}
	return d.Len(), len(d.Users), rng
}

// joinHeader puts left and right at the ends of a line w cells wide.
func joinHeader(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return clip(left+" "+right, w)
	}
	return left + strings.Repeat(" ", gap) + right
}

func day(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format("2006-01-02")
}

// footer: what is running or how long the last query took, the status
// line, then the keys that matter now.
func (m *Model) footer() string {
	st, w := m.sh.st, m.sh.width
	var left string
	switch t := m.tab(); {
	case m.running >= 0 || m.loading:
		left = m.spin.View() + " " + i18n.T("running")
	case m.imp != nil && !m.imp.done:
		left = m.spin.View() + " " + i18n.T("importing %.0f%%", m.imp.fraction()*100)
	case current(t):
		left = st.Dim.Render(i18n.T("query %d ms", t.ms))
	}
	// The reload hint comes first: an error stays until a run succeeds and
	// could push it off a narrow screen.
	if hint := m.newDataHint(); hint != "" {
		left += " " + st.Status.Render(hint)
	}
	if m.status != "" {
		s := st.Status
		if m.isErr {
			s = st.Error
		}
		left += " " + s.Render(m.status)
	}
	k := m.sh.keys
	var keys []key.Binding
	switch {
	case m.dlg != nil || len(m.pages) > 0:
		keys = []key.Binding{k.Enter, k.Back, k.Filter, k.ForceQuit}
	case m.tab().a == nil:
		keys = []key.Binding{k.Help, k.NextTab, k.Quit}
	case m.focus == 1:
		res := m.tab().res
		var extra []key.Binding
		if res != nil {
			extra = res.resultKeys(k)
		}
		items, enter := false, ""
		if res != nil && res.items() > 0 {
			items, enter = true, res.enter()
		}
		keys = k.ResultsHelp(items, enter, res != nil && tableWidth(res) > resultsWidth(w), extra...)
	default:
		keys = k.ShortHelp()
	}
	var hint string
	for _, b := range keys {
		hint += " " + st.FooterKey.Render(b.Help().Key) + " " + st.Footer.Render(b.Help().Desc)
	}
	return clip(left+"  "+hint, w)
}
