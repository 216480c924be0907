package query

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
)

// closestScanMax bounds how many stored values an empty-filter note
// compares with the typed one (edit distance each): past it the note
// points to spoor props instead.
const closestScanMax = 200_000

// EmptyNotes explains a result that is empty for a reason the user may not
// see: a --where value no event has (country = us where the data says US),
// a comparison no value passes, or a date range outside the data. Each note
// is one sentence; none when the options are wrong (the analysis reports
// that) or fine. The analysis still runs: an empty answer is an answer.
func (d *Dataset) EmptyNotes(ctx context.Context, c Common) []string {
	if d.Len() == 0 {
		return nil
	}
	c.Segment, c.By = "", "" // resolved by the analysis; not needed here
	s, err := d.Resolve(ctx, c)
	if err != nil {
		return nil
	}
	var notes []string
	if n := RangeNote(c, Span{Loc: s.Loc, From: s.From, To: s.To}, d.MinTime, d.MaxTime); n != "" {
		notes = append(notes, n)
	}
	for _, w := range c.Where {
		f, err := ParseFilter(w)
		if err != nil {
			return nil
		}
		p, err := d.Prop(ctx, f.Prop)
		if err != nil {
			return nil
		}
		if note := filterNote(f, p); note != "" {
			notes = append(notes, i18n.T("--where %q: %s", w, note))
		}
	}
	return notes
}

// CommonOptions returns the options every analysis takes, for code that
// holds any analysis's query (a spec file's): each query embeds Common.
func (c *Common) CommonOptions() Common { return *c }

// filterNote says why filter f keeps no event, or "" when some stored value
// passes it.
func filterNote(f Filter, p *Prop) string {
	switch f.Op {
	case "=", "in":
		var missing []string
		for _, w := range f.Values {
			if !anyValue(p, Filter{Prop: f.Prop, Op: "=", Values: []string{w}}) {
				missing = append(missing, strconv.Quote(w))
			}
		}
		if len(missing) < len(f.Values) {
			return "" // some value is stored: the filter keeps its events
		}
		values := strings.Join(missing, i18n.T(" or "))
		if len(p.Values) > closestScanMax {
			return i18n.T("no event has %s %s (%d distinct values; spoor props %s lists the common ones)", f.Prop, values, len(p.Values), f.Prop)
		}
		var near []string
		seen := map[string]bool{}
		for _, w := range f.Values {
			for _, n := range closestValues(w, p.Values) {
				if !seen[n] {
					seen[n] = true
					near = append(near, strconv.Quote(n))
				}
			}
		}
		if len(near) > 0 {
			return i18n.T("no event has %s %s; closest stored values: %s", f.Prop, values, strings.Join(near, ", "))
		}
		return i18n.T("no event has %s %s; spoor props %s lists its values", f.Prop, values, f.Prop)
	case "contains", ">", ">=", "<", "<=":
		if anyValue(p, f) {
			return ""
		}
		if f.Op == "contains" {
			return i18n.T("no value of %s contains %q", f.Prop, f.Values[0])
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, n := range p.Num {
			if !math.IsNaN(n) {
				lo, hi = min(lo, n), max(hi, n)
			}
		}
		if lo > hi {
			return i18n.T("no event has a numeric %s", f.Prop)
		}
		return i18n.T("no event has %s %s %s; its numbers run from %s to %s", f.Prop, f.Op, f.Values[0],
			strconv.FormatFloat(lo, 'f', -1, 64), strconv.FormatFloat(hi, 'f', -1, 64))
	}
	return ""
}

// closestValues are the stored values spelt like w but for case, else
// the three closest by edit distance.
func closestValues(w string, values []string) []string {
	var same []string
	for _, v := range values {
		if strings.EqualFold(v, w) {
			same = append(same, v)
		}
	}
	if len(same) > 0 {
		return same
	}
	return Closest(w, values, 3)
}

// anyValue reports whether some stored value of p passes f.
func anyValue(p *Prop, f Filter) bool {
	for i, v := range p.Values {
		if f.Test(v, p.Num[i]) {
			return true
		}
	}
	return false
}

// rangeText is the date range as given (--last, anchored at the data's
// end, never misses it).
func rangeText(c Common) string {
	switch {
	case c.From != "" && c.To != "":
		return i18n.T("%s to %s", c.From, c.To)
	case c.From != "":
		return i18n.T("from %s", c.From)
	}
	return i18n.T("up to %s", c.To)
}

func dayText(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format("2006-01-02")
}

// RangeNote says that the range of c, resolved to span, lies outside data
// running from minTime to maxTime; "" when it does not.
func RangeNote(c Common, span Span, minTime, maxTime int64) string {
	if span.To <= minTime || span.From > maxTime {
		return i18n.T("the date range %s lies outside the data, which runs from %s to %s",
			rangeText(c), dayText(minTime, span.Loc), dayText(maxTime, span.Loc))
	}
	return ""
}

// FilterNote says why filter f keeps no event of data whose stored values
// of f's property are values (for a backend that reads them elsewhere);
// "" when some value passes.
func FilterNote(f Filter, values []string) string {
	return filterNote(f, newProp(f.Prop, values, nil))
}
