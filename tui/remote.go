package tui

import (
	"context"
	"os"
	"sort"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// remote is a ClickHouse table the workbench shows instead of a local
// database: the analysis tabs compile their queries for the server (its
// engine is sh.eng), and the pickers, user lists and timelines are read
// from it too; no event is loaded. A stale run is cancelled on the server
// as well: the engine's client kills a query whose context ends.
type remote struct {
	eng   *chquery.Engine
	src   *clickhouse.Source
	over  *chquery.Overview
	saved string // the local database of its saved segments and audiences
}

// remoteLoadCmd connects to the table and reads what the workbench shows
// before any analysis: the counts, event names, property keys and the
// first funnel's events.
func remoteLoadCmd(ctx context.Context, src *clickhouse.Source, since func(time.Time) time.Duration) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		c := clickhouse.NewClient(src)
		t, err := clickhouse.Describe(ctx, c)
		if err != nil {
			return loadedMsg{err: err}
		}
		// Saved segments are kept beside the table, as the commands keep
		// them: $SPOOR_SEGMENTS, else the local copy kept for the table.
		path := os.Getenv("SPOOR_SEGMENTS")
		if path == "" {
			if path, err = src.LocalCopy(); err != nil {
				return loadedMsg{err: err}
			}
		}
		// A ClickHouse table's display zone is UTC, as spoor info says.
		eng := chquery.New(c, t, time.UTC).WithRules(segment.SavedAt(path, src.String()))
		over, err := eng.Overview(ctx)
		if err != nil {
			return loadedMsg{err: err}
		}
		events := make([]named, len(over.Names))
		for i, n := range over.Names {
			events[i] = named{name: n, count: over.Counts[i]}
		}
		sort.SliceStable(events, func(i, j int) bool { return events[i].count > events[j].count })
		var seed []string
		for _, e := range events[:min(4, len(events))] {
			seed = append(seed, e.name)
		}
		if ordered, err := eng.JourneyOrder(ctx, seed); err == nil {
			seed = ordered
		}
		keys, counts, propsErr := eng.PropKeys(ctx)
		props := make([]named, len(keys))
		for i, k := range keys {
			props[i] = named{name: k, count: counts[i]}
		}
		// The first queries open on what a local database's would: the
		// same counts, made on the server.
		cand := make([]string, min(pickCandidates, len(events)))
		for i := range cand {
			cand[i] = events[i].name
		}
		users, followed, repeaters, err := eng.PickCounts(ctx, cand, followGap)
		if err != nil {
			return loadedMsg{err: err}
		}
		p := choosePicks(events, users, followed, repeaters)
		return loadedMsg{remote: &remote{eng: eng, src: src, over: over, saved: path}, source: src.String(), events: events, funnel: seed,
			picks: p, props: props, propsErr: propsErr, ms: since(start).Milliseconds()}
	}
}

// freshMsg is a look at a ClickHouse table's property columns: eng is
// the engine on the columns as they are now, nil when they are those r's
// engine reads; props its property keys.
type freshMsg struct {
	r        *remote
	eng      *chquery.Engine
	props    []named
	propsErr error
}

// remoteFreshCmd looks whether a push added property columns to the
// table since r's engine read them (chquery.Engine.Fresh): its analyses
// would miss those keys' new events. A failed look is not worth a
// message: the next one tries again.
func remoteFreshCmd(ctx context.Context, r *remote) tea.Cmd {
	return func() tea.Msg {
		eng, changed, err := r.eng.Fresh(ctx)
		if err != nil || !changed {
			return freshMsg{r: r}
		}
		keys, counts, err := eng.PropKeys(ctx)
		props := make([]named, len(keys))
		for i, k := range keys {
			props[i] = named{name: k, count: counts[i]}
		}
		return freshMsg{r: r, eng: eng, props: props, propsErr: err}
	}
}

// freshRead takes the engine on the table's new columns, with its
// property keys, and runs the tab again on it; the header's counts are
// those read at open, so the footer asks for a reload. A look that
// started before a reload is dropped. The remote is copied, not changed:
// commands still running read the engine they started with.
func (m *Model) freshRead(msg freshMsg) tea.Cmd {
	if msg.r != m.sh.remote || msg.eng == nil || m.ctx.Err() != nil {
		return m.nextWatch()
	}
	r := *msg.r
	r.eng = msg.eng
	m.sh.remote, m.sh.eng = &r, msg.eng
	if msg.propsErr == nil {
		m.sh.props = msg.props
	}
	m.newData = true
	m.cache.clear()
	for _, t := range m.tabs {
		t.key = ""
	}
	return tea.Batch(m.rerun(), m.nextWatch())
}

// remoteValues reads a property's most frequent values on the server
// and hands them on.
func remoteValues(r *remote, k string, then func(k string, values []named) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		values, counts, err := r.eng.Values(context.Background(), k)
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		out := make([]named, len(values))
		for i, v := range values {
			out[i] = named{name: v, count: counts[i]}
		}
		return then(k, out)
	}
}

// remoteTimelineCmd shows one user's events read from the server.
func remoteTimelineCmd(r *remote, user string) tea.Cmd {
	return func() tea.Msg {
		tl, err := r.eng.Timeline(context.Background(), user, time.UTC)
		if err != nil {
			return statusMsg{text: i18n.T("timeline of %s: %v", user, err), err: true}
		}
		return pageMsg{p: &textPage{title: i18n.T("Timeline of %s", user), lines: timelineLines(tl, time.UTC, user)}}
	}
}

// remoteCounts are the header's counts and range on a ClickHouse table
// (its zone is UTC).
func (m *Model) remoteCounts() (events, users int, rng string) {
	o := m.sh.remote.over
	rng = i18n.T("all time")
	if o.Events > 0 {
		c := query.Common{}
		if t := m.tab(); t.a != nil {
			ac := t.a.common()
			c = query.Common{Last: ac.Last, From: ac.From, To: ac.To}
		}
		if s, err := c.Span(time.UTC, o.Min, o.Max); err == nil {
			rng = day(s.From, s.Loc) + " → " + day(s.To-1, s.Loc)
		}
	}
	return o.Events, o.Users, rng
}
