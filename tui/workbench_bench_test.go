package tui

import (
	"context"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/store/storetest"
)

// BenchmarkWorkbenchEdits makes bench/workbench.sh's edits through the
// root model on a real database, each answered by a run (the result cache
// emptied first), and splits each edit's CPU time between the run (the
// query engine) and the workbench's own work around it: the Update that
// starts the run, the Update that shows its result, and the frames drawn
// meanwhile (one spinner tick) and after (the result). Each op toggles
// the edit, so it is the mean of the edit and its undoing.
//
//	SPOOR_BENCH_DB=bench/data/s-10000000.db go test ./tui -run '^$' -bench WorkbenchEdits
func BenchmarkWorkbenchEdits(b *testing.B) {
	path := storetest.BenchDB(b)
	h := startHarness(b, 100, 30, func(ctx context.Context) (*store.DB, string, error) {
		db, err := store.Open(path, store.Options{ReadOnly: true})
		return db, path, err
	})
	if h.m.sh.d == nil {
		b.Fatalf("the database did not load: %s", h.m.status)
	}
	fun := h.m.tabs[tabFunnel].a.(*funnel)
	tr := h.m.tabs[tabTrends].a.(*trends)
	device, err := h.m.sh.d.Prop(context.Background(), "device")
	if err != nil {
		b.Fatal(err)
	}
	toggle := func(p *string, a, b string) func() {
		return func() {
			if *p == a {
				*p = b
			} else {
				*p = a
			}
		}
	}
	where := func() {
		if len(fun.q.Where) == 0 {
			fun.q.Where = []string{"device = " + quoteWord(topValues(device)[0].name)}
		} else {
			fun.q.Where = nil
		}
	}
	for _, e := range []struct {
		name string
		tab  int
		edit func()
	}{
		{"step", tabFunnel, toggle(&fun.q.Steps[3].Event, "purchase", fun.q.Steps[3].Event)},
		{"window", tabFunnel, toggle(&fun.q.Window, "1d", "")},
		{"trend", tabFunnel, toggle(&fun.q.Interval, "week", "")},
		{"by", tabFunnel, toggle(&fun.q.By, "country", "")},
		{"where", tabFunnel, where},
		{"trends-interval", tabTrends, toggle(&tr.q.Interval, "week", "day")},
	} {
		h.m.active = e.tab
		b.Run(e.name, func(b *testing.B) {
			var run, tui, wall time.Duration
			for i := 0; i < b.N; i++ {
				e.edit()
				h.m.cache.clear()
				start, c0 := time.Now(), store.CPUTime()
				cmd := h.m.rerun()
				h.m.ticked = true
				h.m.View() // a spinner tick's frame while it runs
				h.m.ticked = false
				c1 := store.CPUTime()
				msgs := execute(cmd)
				c2 := store.CPUTime()
				for _, msg := range msgs {
					h.send(msg)
				}
				h.m.View()
				c3 := store.CPUTime()
				wall += time.Since(start)
				run += c2 - c1
				tui += c1 - c0 + c3 - c2
				if !current(h.m.tab()) {
					b.Fatalf("%s: the result shown does not answer the query", e.name)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(run.Microseconds())/1000/n, "run-cpu-ms/op")
			b.ReportMetric(float64(tui.Microseconds())/1000/n, "tui-cpu-ms/op")
			b.ReportMetric(float64(wall.Microseconds())/1000/n, "wall-ms/op")
		})
	}
}

// BenchmarkFirstChoices times the choices the first screen waits for
// after the events load (loadCmd): the event counts, then the first
// funnel's steps and the picks of the other tabs' first queries (one
// pass), in CPU time per op (they run a part per CPU).
//
//	SPOOR_BENCH_DB=bench/data/s-10000000.db go test ./tui -run '^$' -bench FirstChoices
func BenchmarkFirstChoices(b *testing.B) {
	path := storetest.BenchDB(b)
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d, err := query.Load(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	events := eventCounts(d)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"events", func() { eventCounts(d) }},
		{"funnel-picks", func() { firstChoices(d, events) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu := store.CPUTime()
			for i := 0; i < b.N; i++ {
				c.run()
			}
			b.ReportMetric(float64((store.CPUTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
