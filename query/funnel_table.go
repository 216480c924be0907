package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
)

// Tables shows the funnel, the breakdown (every value) when --by is set,
// and the conversion trend when an interval was asked for.
func (r *FunnelResult) Tables() []output.Table {
	title := fmt.Sprintf("funnel (%s, window %s)", r.Mode, output.Duration(r.WindowSeconds))
	if r.Semantics != "" { // another product's rules: say whose
		title = fmt.Sprintf("funnel (%s rules", r.Semantics)
		if len(r.Options) > 0 {
			title += " " + strings.Join(r.Options, ",")
		}
		title += fmt.Sprintf(", %s, window %s)", r.Mode, output.Duration(r.WindowSeconds))
	}
	tabs := []output.Table{{Title: title, Columns: []string{"step", "event", "users", "conversion", "step conversion", "drop-off", "in progress", "median time"}}}
	for _, s := range r.Steps {
		tabs[0].Rows = append(tabs[0].Rows, []string{
			strconv.Itoa(s.Step), r.stepLabel(s), strconv.Itoa(s.Users), Percent(s.Conversion), Percent(s.StepConversion),
			strconv.Itoa(s.DropOff), strconv.Itoa(s.InProgress), humanPtr(s.MedianSeconds),
		})
	}
	if r.By != "" {
		bt := output.Table{Title: "breakdown by " + r.By, Columns: []string{r.By}}
		for _, s := range r.Steps {
			bt.Columns = append(bt.Columns, fmt.Sprintf("%d. %s", s.Step, r.stepLabel(s)))
		}
		bt.Columns = append(bt.Columns, "conversion")
		for _, b := range r.Breakdown {
			row := []string{b.Value}
			for _, s := range b.Steps {
				row = append(row, strconv.Itoa(s.Users))
			}
			row = append(row, Percent(b.Steps[len(b.Steps)-1].Conversion))
			bt.Rows = append(bt.Rows, row)
		}
		tabs = append(tabs, bt)
	}
	if r.Query.Interval != "" {
		tt := output.Table{Title: "conversion by " + r.Interval + " of step 1", Columns: []string{r.Interval, "users", "converted", "in progress", "conversion"}}
		for _, p := range r.Trend {
			tt.Rows = append(tt.Rows, []string{p.T, strconv.Itoa(p.Users), strconv.Itoa(p.Converted), strconv.Itoa(p.InProgress), Percent(p.Conversion)})
		}
		tabs = append(tabs, tt)
	}
	return tabs
}

// stepLabel names a step: its event and filters; in any-order mode a row
// counts persons who did that many distinct steps.
func (r *FunnelResult) stepLabel(s FunnelStepResult) string {
	if r.Mode == FunnelAny {
		return fmt.Sprintf("any %d of %d", s.Step, len(r.Steps))
	}
	if len(s.Where) == 0 {
		return s.Event
	}
	return s.Event + " (" + strings.Join(s.Where, "; ") + ")"
}

// Percent formats a share as 12.3%, and an undefined one as "-"
// (output.Percent, for the nullable shares of the results).
func Percent(f Num) string { return output.Percent(float64(f)) }

func humanPtr(s *float64) string {
	if s == nil {
		return "-"
	}
	return output.Duration(*s)
}
