package chquery

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

// What the workbench's Segments tab shows of an expression besides its
// size: the properties it reads that no event carries, and its size day
// by day.

// unset lists the keys no event of the table carries, in the order given,
// from one pass over the table.
func (e *Engine) unset(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	t := e.base
	cols := make([]string, len(keys))
	for i, k := range keys {
		_, has := t.Prop(k)
		cols[i] = "toUInt8(countIf(" + has + ") > 0)"
	}
	r, err := e.c.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+t.From+" WHERE "+t.Where)
	if err != nil {
		return nil, err
	}
	if len(r.Rows) != 1 || len(r.Rows[0]) != len(keys) {
		return nil, i18n.Errorf("segment: ClickHouse answered %d rows for the properties' presence", len(r.Rows))
	}
	var out []string
	for i, v := range r.Rows[0] {
		if v == "0" {
			out = append(out, keys[i])
		}
	}
	return out, nil
}

// trendDays is how many days of a SegmentTrend are asked of the server at
// once.
const trendDays = 4

// SegmentTrend is segment.Trend on the table: the size of an expression
// as of the end of each of the last days calendar days of loc (nil: the
// display zone), the last being the day of the table's last event. A day
// is the expression on the events up to its end, its relative windows
// ending there too (segment.CompileAsOf); each shard answers two counts
// per day.
func (e *Engine) SegmentTrend(ctx context.Context, expr string, loc *time.Location, days int) ([]segment.SizePoint, error) {
	n, err := segment.Parse(expr)
	if err != nil {
		return nil, err
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	if f.count == 0 || days <= 0 {
		return []segment.SizePoint{}, nil
	}
	if loc == nil {
		loc = e.loc
	}
	// Compiled once on the whole table first, so that the filters' passing
	// values, which the engine keeps (Engine.passing), are read from every
	// event: a day's engine sees only the events up to its end, and values
	// read there would miss later ones, on that day and in later queries.
	if _, err := e.segmentBuilder(loc, f).node(ctx, n); err != nil {
		return nil, err
	}
	t := time.UnixMilli(f.max).In(loc)
	last := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	out := make([]segment.SizePoint, days)
	errs := make([]error, days)
	var wg sync.WaitGroup
	sem := make(chan struct{}, trendDays)
	for i := range out {
		day := last.AddDate(0, 0, i-(days-1))
		out[i].Day = day.Format("2006-01-02")
		anchor := min(day.AddDate(0, 0, 1).UnixMilli()-1, f.max)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i].Users, out[i].Total, errs[i] = e.asOf(anchor).sizeAt(ctx, n, loc, f, anchor)
			if out[i].Total > 0 {
				out[i].Share = float64(out[i].Users) / float64(out[i].Total)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// asOf is the engine on the events at or before anchor.
func (e *Engine) asOf(anchor int64) *Engine {
	t := *e.base
	t.Where = "(" + t.Where + ") AND " + t.Time + " <= " + lit(anchor)
	c := *e
	c.base, c.t = &t, &t
	return &c
}

// sizeAt counts the persons with an event on e's table and those of them
// n holds for, its windows relative to anchor.
func (e *Engine) sizeAt(ctx context.Context, n segment.Node, loc *time.Location, f *facts, anchor int64) (users, total int, err error) {
	b := &segBuilder{e: e, f: f, clk: segment.NewClock(anchor, loc), loc: loc}
	cond, err := b.node(ctx, n)
	if err != nil {
		return 0, 0, err
	}
	sql := func(from string) string {
		return b.perPerson(from, "countIf("+cond(from)+"), count()")
	}
	err = e.eachPerson(ctx, sql, func(row []string) error {
		u, err1 := strconv.Atoi(row[0])
		n, err2 := strconv.Atoi(row[1])
		if err1 != nil || err2 != nil {
			return i18n.Errorf("segment: ClickHouse sent the count %q", strings.Join(row, " "))
		}
		users, total = users+u, total+n
		return nil
	})
	return users, total, err
}
