package chquery

import (
	"context"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// maxDayWords bounds the 64-day words of churn's day bitmaps: past 256
// days of data a person's days are a sorted set instead (tests set 0 to
// take that way).
var maxDayWords = 4

// Churn ranks users at risk of churning (docs/segments.md) from their
// activity summed up where the events are: per person with an event in
// the baseline, on each shard, their events in the recent window and in
// the baseline, their active days in loc (nil: the table's display zone)
// and their last key event. segment.ChurnFromPersons scores them as the
// local engine does.
//
// On a table of push's layout whose data spans at most maxDayWords × 64
// days, a person's days are bitmaps of the days since the data's first
// (a bitwise or per event, where a set of days hashed every event) and
// their last key event is the largest packed order (packedOrder) with the
// event's code in its low bits (where argMax copied the name of nearly
// every event, as each is later than the one before). An event outside
// the bounds read with the facts (stored since) fails the query by
// throwIf, and it runs again the general way.
func (e *Engine) Churn(ctx context.Context, opt segment.ChurnOptions, loc *time.Location) (*segment.ChurnReport, error) {
	if loc == nil {
		loc = e.loc
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	if opt.KeyEvent != "" {
		if err := f.checkEvent(opt.KeyEvent); err != nil {
			return nil, err
		}
	}
	if f.count == 0 {
		return segment.ChurnFromPersons(opt, loc, f.min, f.max, nil), nil
	}
	var persons []segment.ChurnPerson
	tooLittle := 0
	report := func() *segment.ChurnReport {
		r := segment.ChurnFromPersons(opt, loc, f.min, f.max, persons)
		r.TooLittleHistory += tooLittle
		return r
	}
	if k, ok := e.churnPacked(ctx, opt, loc, f); ok {
		persons, tooLittle, err = e.churnPersons(ctx, opt, loc, f, k)
		if !clickhouse.IsCode(err, codeThrowIf) {
			if err != nil {
				return nil, err
			}
			return report(), nil
		}
	}
	err = e.withOrder(ctx, f.min, func(order string) error {
		persons, tooLittle, err = e.churnPersons(ctx, opt, loc, f, &churnFast{order: order})
		return err
	})
	if err != nil {
		return nil, err
	}
	return report(), nil
}

// churnFast is how churnPersons reads days and the last key event: with
// words > 0, days as that many bitmaps from day0 and the key event's code
// in the low codeBits of the packed order; else as a set and by argMax
// over order.
type churnFast struct {
	order           string
	words, codeBits int
	day0            int64
}

// churnPacked is the fast way of Churn when the table and its span allow.
func (e *Engine) churnPacked(ctx context.Context, opt segment.ChurnOptions, loc *time.Location, f *facts) (*churnFast, bool) {
	if _, fast := e.dayNumber(loc); !fast {
		return nil, false
	}
	lo, hi := civilDay(f.min, loc), civilDay(f.max, loc)
	words := int((hi-lo)/64) + 1
	if words > maxDayWords {
		return nil, false
	}
	code := "toUInt32(0)"
	names := 0
	if opt.KeyEvent == "" {
		codes := make([]string, len(f.names))
		for i := range codes {
			codes[i] = strconv.Itoa(i + 1)
		}
		code = "transform(" + e.t.Event + ", [" + clickhouse.Strings(f.names) + "], [" + strings.Join(codes, ", ") + "], 0)"
		names = len(f.names)
	}
	k, ok := e.packedOrder(ctx, f.min, code, names)
	if !ok {
		return nil, false
	}
	return &churnFast{order: k.key, words: words, codeBits: bits.Len(uint(names)), day0: lo}, true
}

// civilDay is the day number (since 1970-01-01, as toDate counts) of the
// calendar day in loc of the instant ms.
func civilDay(ms int64, loc *time.Location) int64 {
	t := time.UnixMilli(ms).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// churnPersons reads each person's activity as fast says, with the
// persons active in the baseline but on a single day before the recent
// window only counted (too little history) when fast reads bitmaps: 231,564
// of 486,319 at 10M events, whose days and names are then not sent.
func (e *Engine) churnPersons(ctx context.Context, opt segment.ChurnOptions, loc *time.Location, f *facts, fast *churnFast) ([]segment.ChurnPerson, int, error) {
	t := e.t
	recentFrom, baseFrom := segment.ChurnWindows(opt, loc, f.min, f.max)
	day, at := e.ordinal(query.Day, loc)
	key := "1"
	if opt.KeyEvent != "" {
		key = t.Event + " = " + clickhouse.String(opt.KeyEvent)
	}
	// days: the set, or the bitmaps (in range, as throwIf checks).
	days := "arraySort(groupUniqArray(toInt32(" + day + ")))"
	// last: the latest key event's name, by (time, storage order).
	last := "argMaxIf(" + t.Event + ", " + fast.order + ", " + key + ")"
	eligible := "1"
	if fast.words > 0 {
		// The day since day0, checked on every event (a comparison, where
		// a set of days hashed each).
		rel := "(" + day + " - " + lit(fast.day0) + ")"
		rel = "(" + rel + " + throwIf(" + rel + " < 0 OR " + rel + " >= " + strconv.Itoa(64*fast.words) + "))"
		var words []string
		for w := range fast.words {
			bit := "bitShiftLeft(toUInt64(1), toUInt8(" + rel + " - " + strconv.Itoa(64*w) + "))"
			if fast.words > 1 {
				bit = "if(intDiv(" + rel + ", 64) = " + strconv.Itoa(w) + ", " + bit + ", toUInt64(0))"
			}
			words = append(words, "groupBitOr("+bit+")")
		}
		days = "[" + strings.Join(words, ", ") + "]"
		// Active on fewer than two days before the recent window: counted
		// (too little history), not scored, so not sent one by one.
		r := civilDay(recentFrom, loc) - fast.day0
		var before []string
		for w := range fast.words {
			below := min(max(r-int64(64*w), 0), 64)
			mask := uint64(1)<<below - 1
			if below == 64 {
				mask = ^uint64(0)
			}
			before = append(before, "length(bitmaskToArray(bitAnd(sp_days["+strconv.Itoa(w+1)+"], toUInt64("+strconv.FormatUint(mask, 10)+"))))")
		}
		eligible = strings.Join(before, " + ") + " >= 2"
		// The code of the latest key event (any name: the codes of the
		// facts' names, 1 up; a named one: its name).
		last = "toString(bitAnd(maxIf(" + fast.order + ", " + key + "), " + strconv.FormatUint(1<<fast.codeBits-1, 10) + "))"
		if opt.KeyEvent != "" {
			last = clickhouse.String(opt.KeyEvent)
		}
	}
	// Of every event: count and max, where countIf(1) and maxIf cost more.
	keys, keyAt := "countIf("+key+")", "maxIf("+t.Time+", "+key+")"
	if key == "1" {
		keys, keyAt = "count()", "max("+t.Time+")"
		last = strings.Replace(last, "maxIf("+fast.order+", 1)", "max("+fast.order+")", 1)
	}
	var persons chunked[segment.ChurnPerson]
	tooLittle := 0
	err := e.eachPerson(ctx, func(from string) string {
		inner := "SELECT " + t.Person + " AS person, countIf(" + t.Time + " >= " + lit(recentFrom) + ") AS sp_recent," +
			" countIf(" + t.Time + " >= " + lit(baseFrom) + " AND " + t.Time + " < " + lit(recentFrom) + ") AS base," +
			" " + days + " AS sp_days, " + keys + " AS sp_keys, " + keyAt + " AS sp_at, " + last + " AS sp_last" +
			" FROM " + from + " WHERE " + t.Where + " GROUP BY person HAVING base > 0"
		if eligible == "1" {
			return "SELECT person, sp_recent, base, sp_days, sp_keys, sp_at, sp_last, 1, 1 FROM (" + inner + ")"
		}
		// The persons not eligible come back as rows of nothing but that
		// (grouped into one, their any() cost the server a third again).
		return "SELECT if(sp_ok, person, ''), sp_recent, base, if(sp_ok, sp_days, emptyArrayUInt64()), sp_keys, sp_at, if(sp_ok, sp_last, ''), 1, sp_ok" +
			" FROM (SELECT *, " + eligible + " AS sp_ok FROM (" + inner + "))"
	}, func(row []string) error {
		if len(row) != 9 {
			return i18n.Errorf("churn: ClickHouse sent %d columns, expected %d", len(row), 9)
		}
		if row[8] == "0" {
			n, err := strconv.Atoi(row[7])
			if err != nil {
				return i18n.Errorf("churn: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
			}
			tooLittle += n
			return nil
		}
		recent, err1 := strconv.Atoi(row[1])
		base, err2 := strconv.Atoi(row[2])
		var days []int64
		var masks []uint64
		var err3 error
		if fast.words > 0 {
			masks, err3 = uintArray(row[3])
		} else {
			days, err3 = intArray(row[3])
		}
		keys, err4 := strconv.Atoi(row[4])
		keyAt, err5 := strconv.ParseInt(row[5], 10, 64)
		var err6 error
		name := row[6]
		if fast.words > 0 && opt.KeyEvent == "" && keys > 0 {
			var c int
			c, err6 = strconv.Atoi(name)
			if err6 == nil && (c < 1 || c > len(f.names)) {
				err6 = i18n.Errorf("no event has the code %d", c)
			}
			if err6 == nil {
				name = f.names[c-1]
			}
		}
		if err := firstErr(err1, err2, err3, err4, err5, err6); err != nil {
			return i18n.Errorf("churn: reading ClickHouse's row %q: %w", strings.Join(row, " "), err)
		}
		p := segment.ChurnPerson{User: row[0], Recent: recent, Baseline: base, KeyAt: -1}
		if fast.words > 0 {
			for w, m := range masks {
				for u := m; u != 0; u &= u - 1 {
					p.Days = append(p.Days, at(fast.day0+int64(64*w+bits.TrailingZeros64(u))))
				}
			}
		} else {
			for _, d := range days {
				p.Days = append(p.Days, at(d))
			}
		}
		if keys > 0 {
			p.KeyAt, p.KeyEvent = keyAt, name
		}
		persons.add(p)
		return nil
	})
	return persons.slice(), tooLittle, err
}

// uintArray reads a ClickHouse array of unsigned integers: [1,2,3].
func uintArray(s string) ([]uint64, error) {
	inner, open := strings.CutPrefix(s, "[")
	inner, closed := strings.CutSuffix(inner, "]")
	if !open || !closed {
		return nil, i18n.Errorf("not an array: %.40q", s)
	}
	s = inner
	var out []uint64
	for s != "" {
		f, rest, _ := strings.Cut(s, ",")
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, err
		}
		out, s = append(out, v), rest
	}
	return out, nil
}
