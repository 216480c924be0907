package why

import (
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// DefaultRows is how many contributors the text formats list when
// Result.Rows is 0 (JSON lists all).
const DefaultRows = 20

// Tables shows the ranking, then the top cause's users.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	title := l.T("why %s moved: %s against %s — before %s, after %s, change %s. %s",
		r.metricText(l), r.AfterPeriod, strings.ReplaceAll(r.BeforePeriod, ", ", l.T(", ")), num(r.Before), num(r.After), num(r.Change), r.verdictMsg.In(l))
	cols := []string{l.T("property"), l.T("value"), l.T("before"), l.T("after"), l.T("contribution"), l.T("share")}
	rate := len(r.Contributors) > 0 && r.Contributors[0].Mix != nil
	if rate {
		cols = append(cols, l.T("mix"), l.T("rate"))
	}
	cols = append(cols, l.T("p"), l.T("significant"))
	t := output.Table{Title: title, Columns: cols}
	shown, rows := 0, r.Rows
	if rows <= 0 {
		rows = DefaultRows
	}
	for _, c := range r.Contributors {
		if c.Folded == 0 && shown >= rows {
			continue
		}
		if c.Folded == 0 {
			shown++
		}
		row := []string{c.Property, c.valueText(l), num(c.Before), num(c.After), num(c.Contribution), pct(c.Share)}
		if rate {
			row = append(row, opt(c.Mix), opt(c.Rate))
		}
		p := ""
		if c.P != nil {
			p = pText(*c.P)
		}
		sig := ""
		if c.Significant {
			sig = l.T("yes")
		}
		t.Rows = append(t.Rows, append(row, p, sig))
	}
	if n := len(r.Contributors) - len(t.Rows); n > 0 {
		t.Title += l.T(" (%d more values in --format json)", n)
	}
	out := []output.Table{t}
	if r.Drill != nil {
		d := output.Table{Title: l.T("users of %s = %s: %d (the %d that changed most)", r.Drill.Property, r.Drill.Value, r.Drill.Users, len(r.Drill.Top)),
			Columns: []string{l.T("user"), l.T("before"), l.T("after")}}
		for _, u := range r.Drill.Top {
			d.Rows = append(d.Rows, []string{u.User, num(u.Before), num(u.After)})
		}
		out = append(out, d)
	}
	return out
}

// metricText is the metric in l (Metric, in JSON, is English; a Result
// read back from JSON shows it as it is).
func (r *Result) metricText(l i18n.Lang) string {
	if r.metricMsg.IsZero() {
		return r.Metric
	}
	return r.metricMsg.In(l)
}

// valueText is the contributor's value as a person reads it in l: the
// row of folded values, a missing value and the group outside a saved
// segment in l's words, a value of the data as it is.
func (c Contributor) valueText(l i18n.Lang) string {
	if c.Folded > 0 {
		return l.T("(%d small values)", c.Folded)
	}
	return query.GroupName(l, c.Property, c.Value)
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	if math.Abs(v) < 1 {
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func pct(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
}

func opt(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}
