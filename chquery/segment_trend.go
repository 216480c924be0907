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
// once when it sends a query per day.
const trendDays = 4

// SegmentTrend is segment.Trend on the table: the size of an expression
// as of the end of each of the last days calendar days of loc (nil: the
// display zone), the last being the day of the table's last event. A day
// is the expression on the events up to its end, its relative windows
// ending there too (segment.CompileAsOf). Its aggregates over a person's
// events are made for every day in one grouping of all the events, each
// seeing those up to its day's end, so one query answers every day (on a
// large table, a few: sizesAt); an expression with a sequence or a streak
// (each a subquery over the events up to its day's end) sends a query per
// day. Each shard answers two counts per day.
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
	whole := e.segmentBuilder(loc, f)
	if _, err := whole.node(ctx, n); err != nil {
		return nil, err
	}
	t := time.UnixMilli(f.max).In(loc)
	last := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	out := make([]segment.SizePoint, days)
	anchors := make([]int64, days)
	for i := range out {
		day := last.AddDate(0, 0, i-(days-1))
		out[i].Day = day.Format("2006-01-02")
		anchors[i] = min(day.AddDate(0, 0, 1).UnixMilli()-1, f.max)
	}
	if !whole.subqueries {
		err = e.sizesAt(ctx, n, loc, f, anchors, out)
	} else {
		errs := make([]error, days)
		var wg sync.WaitGroup
		sem := make(chan struct{}, trendDays)
		for i := range out {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				out[i].Users, out[i].Total, errs[i] = e.asOf(anchors[i]).sizeAt(ctx, n, loc, f, anchors[i])
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if err == nil {
				err = e
			}
		}
	}
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Total > 0 {
			out[i].Share = float64(out[i].Users) / float64(out[i].Total)
		}
	}
	return out, nil
}

// maxTrendCells bounds the aggregates one query of sizesAt makes, counted
// as the table's events times the aggregates per person: each is a state
// per person on the server.
const maxTrendCells = 1 << 26

// sizesAt is sizeAt as of each anchor: n has no subquery, so each anchor's
// condition reads aggregates of its own, made over the events at or before
// it, and the anchors share one grouping of all the events — one query
// for all of them, or on a large table one per batch of anchors, as many
// as maxTrendCells allows.
func (e *Engine) sizesAt(ctx context.Context, n segment.Node, loc *time.Location, f *facts, anchors []int64, out []segment.SizePoint) error {
	aggs := make([][]string, len(anchors))
	cols := make([]string, len(anchors))
	for i, anchor := range anchors {
		b := &segBuilder{e: e, f: f, clk: segment.NewClock(anchor, loc), loc: loc, aggUntil: anchor + 1, prefix: "sp_d" + strconv.Itoa(i) + "_"}
		cond, err := b.node(ctx, n)
		if err != nil {
			return err
		}
		seen := b.agg("count", "") // the person's events up to the anchor
		aggs[i] = b.aggs
		cols[i] = "countIf(" + seen + " > 0 AND (" + cond("") + ")), countIf(" + seen + " > 0)"
	}
	batch := max(1, int(maxTrendCells/max(f.count, 1))/len(aggs[0]))
	for lo := 0; lo < len(anchors); lo += batch {
		hi := min(lo+batch, len(anchors))
		all := &segBuilder{e: e, f: f, loc: loc}
		for _, a := range aggs[lo:hi] {
			all.aggs = append(all.aggs, a...)
		}
		sql := func(from string) string {
			return "SELECT " + strings.Join(cols[lo:hi], ", ") + " FROM (" + all.perPerson(from, "*") + ")"
		}
		err := e.eachPerson(ctx, sql, func(row []string) error {
			if len(row) != 2*(hi-lo) {
				return i18n.Errorf("segment: ClickHouse sent the count %q", strings.Join(row, " "))
			}
			for i := range hi - lo {
				u, err1 := strconv.Atoi(row[2*i])
				n, err2 := strconv.Atoi(row[2*i+1])
				if err1 != nil || err2 != nil {
					return i18n.Errorf("segment: ClickHouse sent the count %q", strings.Join(row, " "))
				}
				out[lo+i].Users += u
				out[lo+i].Total += n
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
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
