package tui

import (
	"context"
	"sort"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// opener opens the database the workbench shows; it runs in the
// background because generating the sample or opening a big file is I/O.
type opener func(ctx context.Context) (db *store.DB, source string, err error)

// loadCmd opens and loads the data: the first thing the workbench does, and
// again after an import.
func loadCmd(ctx context.Context, open opener, db *store.DB, source string) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		var err error
		if db == nil {
			if db, source, err = open(ctx); err != nil {
				return loadedMsg{err: err}
			}
		}
		d, err := query.Load(ctx, db)
		if err != nil {
			return loadedMsg{err: err}
		}
		return loadedMsg{db: db, d: d, source: source, events: eventCounts(d), ms: time.Since(start).Milliseconds()}
	}
}

// propsMsg carries the property keys, loaded after the first chart
// because scanning every event's JSON takes a while on big databases.
type propsMsg struct {
	props []named
	err   error
}

func propsCmd(ctx context.Context, db *store.DB) tea.Cmd {
	return func() tea.Msg {
		keys, counts, err := db.PropKeys(ctx)
		ps := make([]named, len(keys))
		for i, k := range keys {
			ps[i] = named{name: k, count: int(counts[i])}
		}
		return propsMsg{props: ps, err: err}
	}
}

// eventCounts counts events per name, most frequent first.
func eventCounts(d *query.Dataset) []named {
	counts := make([]int, len(d.Names))
	for _, e := range d.Event {
		counts[e]++
	}
	out := make([]named, len(d.Names))
	for i, n := range d.Names {
		out[i] = named{name: n, count: counts[i]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].count > out[j].count })
	return out
}

// loadValues loads a property's values with their event counts, most
// frequent first, then opens a picker over them.
func loadValues(sh *shared, k string, onPick func(string) tea.Cmd) tea.Cmd {
	d := sh.d
	return func() tea.Msg {
		p, err := d.Prop(context.Background(), k)
		if err != nil {
			return valuesMsg{key: k, err: err}
		}
		return valuesMsg{key: k, values: topValues(p), onPick: onPick}
	}
}

func topValues(p *query.Prop) []named {
	counts := make([]int, len(p.Values)+1)
	for _, c := range p.Codes {
		counts[c]++
	}
	var out []named
	for i, v := range p.Values {
		out = append(out, named{name: v, count: counts[i+1]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].count > out[j].count })
	return out
}
