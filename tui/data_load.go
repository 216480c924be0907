package tui

import (
	"context"
	"sort"
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
		picked := make(chan picks)
		go func() { picked <- pickDefaults(d, events) }()
		props, propsErr := propKeys(ctx, db)
		msg := loadedMsg{db: db, d: d, source: source, events: events, funnel: funnelSeed(d, events, 4),
			props: props, propsErr: propsErr, lang: storedLang(ctx, db)}
		msg.picks = <-picked
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

// funnelSeed picks the n most common events and orders them by the mean
// position of each user's first occurrence among them, so the first funnel
// on screen reads like a journey (visit, view, cart, buy).
func funnelSeed(d *query.Dataset, events []named, n int) []string {
	n = min(n, len(events))
	slot := eventSlots(d, events[:n])
	rankSum := make([]float64, n)
	users := make([]int, n)
	seen := make([]bool, n)
	for p := 0; p+1 < len(d.Start); p++ {
		clear(seen)
		rank := 0
		for i := d.Start[p]; i < d.Start[p+1] && rank < n; i++ {
			s := slot[d.Event[i]]
			if s < 0 || seen[s] {
				continue
			}
			seen[s] = true
			rankSum[s] += float64(rank)
			users[s]++
			rank++
		}
	}
	out := make([]string, n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return rankSum[order[a]]/float64(max(users[order[a]], 1)) < rankSum[order[b]]/float64(max(users[order[b]], 1))
	})
	for i, s := range order {
		out[i] = events[s].name
	}
	return out
}
