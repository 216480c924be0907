package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Tables shows the funnel, the breakdown (every value) when --by is set,
// and the conversion trend when an interval was asked for.
func (r *FunnelResult) Tables(l i18n.Lang) []output.Table {
	mode := ModeMsg(r.Mode).In(l)
	title := l.T("funnel (%s, window %s)", mode, output.Seconds(r.WindowSeconds).In(l))
	if r.Semantics != "" { // another product's rules: say whose
		title = l.T("funnel (%s rules, %s, window %s)", r.Semantics, mode, output.Seconds(r.WindowSeconds).In(l))
		if len(r.Options) > 0 {
			title = l.T("funnel (%s rules %s, %s, window %s)", r.Semantics, strings.Join(r.Options, ","), mode, output.Seconds(r.WindowSeconds).In(l))
		}
	}
	tabs := []output.Table{{Title: title, Columns: []string{l.T("step"), l.T("event"), l.T("users"), l.T("conversion"), l.T("step conversion"), l.T("drop-off"), l.T("in progress"), l.T("median time")}}}
	for _, s := range r.Steps {
		tabs[0].Rows = append(tabs[0].Rows, []string{
			strconv.Itoa(s.Step), r.stepLabel(l, s), strconv.Itoa(s.Users), Percent(s.Conversion), Percent(s.StepConversion),
			strconv.Itoa(s.DropOff), strconv.Itoa(s.InProgress), humanPtr(l, s.MedianSeconds),
		})
	}
	if r.By != "" {
		bt := output.Table{Title: l.T("breakdown by %s", r.By), Columns: []string{r.By}}
		for _, s := range r.Steps {
			bt.Columns = append(bt.Columns, fmt.Sprintf("%d. %s", s.Step, r.stepLabel(l, s)))
		}
		bt.Columns = append(bt.Columns, l.T("conversion"))
		for _, b := range r.Breakdown {
			row := []string{GroupName(l, r.By, b.Value)}
			for _, s := range b.Steps {
				row = append(row, strconv.Itoa(s.Users))
			}
			row = append(row, Percent(b.Steps[len(b.Steps)-1].Conversion))
			bt.Rows = append(bt.Rows, row)
		}
		tabs = append(tabs, bt)
	}
	if r.Query.Interval != "" {
		tt := output.Table{Title: l.T("conversion by %s of step 1", PeriodMsg(r.Interval).In(l)), Columns: []string{PeriodMsg(r.Interval).In(l), l.T("users"), l.T("converted"), l.T("in progress"), l.T("conversion")}}
		for _, p := range r.Trend {
			tt.Rows = append(tt.Rows, []string{p.T, strconv.Itoa(p.Users), strconv.Itoa(p.Converted), strconv.Itoa(p.InProgress), Percent(p.Conversion)})
		}
		tabs = append(tabs, tt)
	}
	return tabs
}

// stepLabel names a step: its event and filters; in any-order mode a row
// counts persons who did that many distinct steps.
func (r *FunnelResult) stepLabel(l i18n.Lang, s FunnelStepResult) string {
	if r.Mode == FunnelAny {
		return l.T("any %d of %d", s.Step, len(r.Steps))
	}
	if len(s.Where) == 0 {
		return s.Event
	}
	return s.Event + " (" + strings.Join(s.Where, "; ") + ")"
}

// Percent formats a share as 12.3%, and an undefined one as "-"
// (output.Percent, for the nullable shares of the results).
func Percent(f Num) string { return output.Percent(float64(f)) }

func humanPtr(l i18n.Lang, s *float64) string {
	if s == nil {
		return "-"
	}
	return output.Seconds(*s).In(l)
}

// periodNumber is the k-th period of a retention row: "week 2".
func periodNumber(l i18n.Lang, p string, k int) string {
	switch p {
	case "hour":
		return l.T("hour %d", k)
	case "day":
		return l.T("day %d", k)
	case "week":
		return l.T("week %d", k)
	case "month":
		return l.T("month %d", k)
	}
	return p + " " + strconv.Itoa(k)
}
