package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
)

// Tables shows the funnel, the breakdown (every value) when --by is set,
// and the conversion trend when an interval was asked for.
func (r *FunnelResult) Tables() []output.Table {
	title := fmt.Sprintf("funnel (%s, window %s)", r.Mode, HumanSeconds(r.WindowSeconds))
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

// Percent formats a share as 12.3%, and an undefined one as "-".
func Percent(f Num) string {
	if !f.Valid() {
		return "-"
	}
	return strconv.FormatFloat(100*float64(f), 'f', 1, 64) + "%"
}

func humanPtr(s *float64) string {
	if s == nil {
		return "-"
	}
	return HumanSeconds(*s)
}

// HumanSeconds formats a duration for people: 850ms, 45s, 12m 5s, 3h 20m,
// 2d 4h (two units at most, rounded down).
func HumanSeconds(sec float64) string {
	if sec < 1 {
		return strconv.Itoa(int(math.Round(sec*1000))) + "ms"
	}
	s := int64(sec)
	switch {
	case s < 60:
		if sec != math.Trunc(sec) {
			return strconv.FormatFloat(sec, 'f', 1, 64) + "s"
		}
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return twoUnits(s/60, "m", s%60, "s")
	case s < 86400:
		return twoUnits(s/3600, "h", s%3600/60, "m")
	}
	return twoUnits(s/86400, "d", s%86400/3600, "h")
}

func twoUnits(a int64, ua string, b int64, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s %d%s", a, ua, b, ub)
}
