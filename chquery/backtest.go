package chquery

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/segment"
)

// Backtest is spoor audience backtest on the table (segment.Backtest), in
// the calendar days of loc (nil: the display zone). The rule is compiled
// once per checkpoint, as of the midnight ending each day (its clock
// anchored just before it, the events from it on hidden), into person
// sets that the server unions with the goal events. Per person, on each
// shard: the checkpoints they are a member at, sorted; a member is new
// where the checkpoint before is not in that list, and converted where
// the first goal event at or after the midnight comes within the window
// (the goal times carried back from the next one by a running maximum
// over the reversed timeline). What comes back is a row per day.
func (e *Engine) Backtest(ctx context.Context, n segment.Node, days int, goal string, within int64, loc *time.Location) (*segment.BacktestResult, []string, error) {
	if days < 1 || days > segment.MaxBacktestDays {
		return nil, nil, i18n.Errorf("backtest: days must be from 1 to %d", segment.MaxBacktestDays)
	}
	if within <= 0 {
		return nil, nil, i18n.Errorf("backtest: the goal window must be positive")
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := f.checkEvent(goal); err != nil {
		return nil, nil, i18n.Errorf("--goal: %w", err)
	}
	r := &segment.BacktestResult{Goal: goal, Within: within, Days: []segment.BacktestDay{}}
	if f.count == 0 {
		return r, nil, nil
	}
	if loc == nil {
		loc = e.loc
	}
	mid := r.Checkpoints(f.max, loc, days)
	t := e.base
	var sets []func(from string) string
	var unknown []string
	for k, m := range mid {
		b := &segBuilder{e: e, f: f, clk: segment.NewClock(m-1, loc), loc: loc, until: m}
		set, err := b.set(ctx, n)
		if err != nil {
			return nil, nil, err
		}
		if k == 0 {
			unknown = b.unknown
		}
		sets = append(sets, set)
	}
	var st stages
	// Checkpoints sort by k and by their midnights alike, so the members
	// of ks and of ev come in one order.
	st.let("bN", "arrayMap((d, i) -> toUInt8(i = 1 OR d != 1), arrayDifference(ks), arrayEnumerate(ks))")
	st.let("bV", "arrayReverse(arrayMap(x -> if(x.2 = 1, -x.1, "+neg+"), ev))")
	st.next()
	st.let("bR", "arrayMap((v, d) -> v + d, bV, arrayCumSumNonNegative(arrayMap(d -> -d, arrayDifference(bV))))")
	st.next()
	st.let("bC", "arrayFilter((c, x) -> x.2 = 0, arrayMap((r, x) -> toUInt8(-r < x.1 + "+lit(within)+"), arrayReverse(bR), ev), ev)")
	isGoal := t.Event + " = " + clickhouse.String(goal) + " AND " + t.Time + " >= " + lit(mid[1]) + " AND " + t.Time + " < " + lit(mid[days]+within)
	sql := func(from string) string {
		parts := make([]string, 0, len(sets)+1)
		for k, set := range sets {
			parts = append(parts, "SELECT "+personCol+", toUInt32("+strconv.Itoa(k)+") AS sp_k, "+lit(mid[k])+" AS sp_t, toUInt8(0) AS sp_g FROM ("+set(from)+")")
		}
		parts = append(parts, "SELECT "+t.Person+" AS "+personCol+", toUInt32(0) AS sp_k, toInt64("+t.Time+") AS sp_t, toUInt8(1) AS sp_g FROM "+from+" WHERE "+t.Where+" AND "+isGoal)
		// At one instant a midnight sorts before a goal event: a goal at
		// the midnight counts.
		persons := "SELECT " + personCol + ", arraySort(groupArrayIf(sp_k, sp_g = 0)) AS ks, arraySort(groupArray((sp_t, sp_g))) AS ev FROM (" +
			strings.Join(parts, " UNION ALL ") + ") GROUP BY " + personCol
		return "SELECT k, count(), sum(n), sum(c) FROM (" + st.wrap(persons) + ") ARRAY JOIN ks AS k, bN AS n, bC AS c WHERE k > 0 GROUP BY k"
	}
	err = e.eachPerson(ctx, sql, func(row []string) error {
		var v [4]int
		for i := range v {
			x, err := strconv.Atoi(row[i])
			if err != nil || i == 0 && (x < 1 || x > days) {
				return i18n.Errorf("backtest: ClickHouse sent the row %q", strings.Join(row, " "))
			}
			v[i] = x
		}
		d := &r.Days[v[0]-1]
		d.Members += v[1]
		d.NewMembers += v[2]
		d.Converted += v[3]
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	r.Rates()
	return r, unknown, nil
}
