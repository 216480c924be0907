package tui

import (
	"context"
	"runtime"
	"sort"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// opener opens the database the workbench shows; it runs in the
// background because generating the sample or opening a big file is I/O.
type opener func(ctx context.Context) (db *store.DB, source string, err error)

// loadCmd opens and loads the data: the first thing the workbench does, and
// again after an import.
func loadCmd(ctx context.Context, open opener, db *store.DB, source string, since func(time.Time) time.Duration, tm *timing) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		var err error
		if db == nil {
			end := tm.span("open")
			db, source, err = open(ctx)
			end()
			if err != nil {
				return loadedMsg{err: err}
			}
		}
		end := tm.span("load events")
		d, err := query.Load(ctx, db)
		end()
		if err != nil {
			return loadedMsg{err: err}
		}
		// --segment NAME and --by segment:NAME resolve saved segments of
		// this database on every tab.
		d.Segments = segment.Resolver{DB: db}
		end = tm.span("first queries' choices")
		events := eventCounts(d)
		props, propsErr := propKeys(ctx, db)
		msg := loadedMsg{db: db, d: d, source: source, events: events, props: props, propsErr: propsErr, lang: storedLang(ctx, db)}
		msg.funnel, msg.picks = firstChoices(d, events)
		end()
		msg.ms = since(start).Milliseconds()
		return msg
	}
}

// propKeys lists the property keys, most frequent first, from the
// store's per-chunk summary (a small table: no event is scanned).
func propKeys(ctx context.Context, db *store.DB) ([]named, error) {
	keys, counts, err := db.PropKeys(ctx)
	ps := make([]named, len(keys))
	for i, k := range keys {
		ps[i] = named{name: k, count: int(counts[i])}
	}
	return ps, err
}

// eventCounts counts events per name, most frequent first, a part of the
// events per CPU.
func eventCounts(d *query.Dataset) []named {
	counts := make([]int, len(d.Names))
	for _, part := range eachPart(len(d.Event), func(lo, hi int) []int {
		c := make([]int, len(d.Names))
		for _, e := range d.Event[lo:hi] {
			c[e]++
		}
		return c
	}) {
		for e, n := range part {
			counts[e] += n
		}
	}
	out := make([]named, len(d.Names))
	for i, n := range d.Names {
		out[i] = named{name: n, count: counts[i]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].count > out[j].count })
	return out
}

// loadValues loads a property's values with their event counts, most
// frequent first (on a ClickHouse table the most frequent 1,000), then
// hands them to then in the background.
func loadValues(sh *shared, k string, then func(k string, values []named) tea.Msg) tea.Cmd {
	if sh.remote != nil {
		return remoteValues(sh.remote, k, then)
	}
	d := sh.d
	return func() tea.Msg {
		p, err := d.Prop(context.Background(), k)
		if err != nil {
			return statusMsg{text: err.Error(), err: true}
		}
		return then(k, topValues(p))
	}
}

// topValues lists p's values, most events first. The events are counted
// a part per CPU: at 100M events one pass took half a second of the
// filter dialog's wait for its values.
func topValues(p *query.Prop) []named {
	counts := make([]int, len(p.Values)+1)
	for _, part := range eachPart(len(p.Codes), func(lo, hi int) []int {
		c := make([]int, len(p.Values)+1)
		for _, v := range p.Codes[lo:hi] {
			c[v]++
		}
		return c
	}) {
		for v, n := range part {
			counts[v] += n
		}
	}
	var out []named
	for i, v := range p.Values {
		out = append(out, named{name: v, count: counts[i+1]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].count > out[j].count })
	return out
}

// eachPart runs count on up to GOMAXPROCS contiguous parts [lo, hi) of n
// items at once, none empty, and returns what each returned.
func eachPart(n int, count func(lo, hi int) []int) [][]int {
	parts := min(n, runtime.GOMAXPROCS(0))
	out := make([][]int, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[k] = count(n*k/parts, n*(k+1)/parts)
		}()
	}
	wg.Wait()
	return out
}
