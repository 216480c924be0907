package query

import (
	"strconv"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Tables shows one row per interval and a column per series; stickiness
// adds the histogram of active days with a column per series.
func (r *TrendsResult) Tables(l i18n.Lang) []output.Table {
	cols := []string{PeriodMsg(r.Interval).In(l)}
	for _, s := range r.Series {
		cols = append(cols, r.SeriesText(l, s))
	}
	title := l.T("%s per %s, %s to %s", MeasureMsg(r.Measure).In(l), PeriodMsg(r.Interval).In(l), r.From, r.To)
	if r.From == "" {
		title = l.T("%s per %s: no events", MeasureMsg(r.Measure).In(l), PeriodMsg(r.Interval).In(l))
	}
	t := output.Table{Title: title, Columns: cols}
	if len(r.Series) > 0 {
		for b, pt := range r.Series[0].Points {
			row := []string{pt.T}
			for _, s := range r.Series {
				row = append(row, formatMeasure(r.Measure, s.Points[b].Value))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	tables := []output.Table{t}
	if r.Measure == MeasureStickiness && len(r.Series) > 0 {
		h := output.Table{Title: l.T("users by days active in the range"), Columns: append([]string{l.T("days active")}, cols[1:]...)}
		for n := range r.Series[0].StickinessHistogram {
			row := []string{strconv.Itoa(n + 1)}
			for _, s := range r.Series {
				row = append(row, strconv.FormatInt(s.StickinessHistogram[n].Users, 10))
			}
			h.Rows = append(h.Rows, row)
		}
		tables = append(tables, h)
	}
	return tables
}

// formatMeasure prints counts as integers and ratios with enough digits to
// compare; an undefined ratio is "-".
func formatMeasure(measure string, n Num) string {
	v := float64(n)
	switch {
	case !n.Valid():
		return "-"
	case measure == MeasureAvg:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case measure == MeasureStickiness:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
