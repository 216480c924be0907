package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/output"
)

// Text is the explanation as spoor funnel --explain prints it on a
// terminal: the verdict, then the timeline with each event's meaning and
// the line where the counted window closes.
func (x *FunnelExplain) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n\n", x.title, x.Verdict)
	fmt.Fprintf(&b, "timeline (%s), %d event%s:\n", x.Timezone, x.Events, plural(x.Events))
	if x.EarlierEvents > 0 {
		fmt.Fprintf(&b, "  … %d earlier events\n", x.EarlierEvents)
	}
	counted, closed := x.WindowEnd != nil, false
	for _, ev := range x.Timeline {
		if counted && !closed && ev.ms > x.limit {
			fmt.Fprintf(&b, "  ── window closes at %s ──\n", x.when(x.limit))
			closed = true
		}
		fmt.Fprintf(&b, "  %s  %s%s\n", x.when(ev.ms), ev.Event, ev.textNote())
	}
	if counted && !closed {
		fmt.Fprintf(&b, "  ── window closes at %s ──\n", x.when(x.limit))
	}
	if x.LaterEvents > 0 {
		fmt.Fprintf(&b, "  … %d later events\n", x.LaterEvents)
	}
	return b.String()
}

// when is the text form's instant: the display timezone, no offset, as
// the rest of the text reads.
func (x *FunnelExplain) when(ms int64) string {
	return time.UnixMilli(ms).In(x.loc).Format("2006-01-02 15:04:05.000")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (ev FunnelExplainEvent) textNote() string {
	switch {
	case ev.Note == "":
		return ""
	case ev.chain:
		return "   ← " + ev.Note
	}
	return "   (" + ev.Note + ")"
}

// Tables gives the CSV and Markdown forms: the verdict, the steps with
// their matched events, and the timeline.
func (x *FunnelExplain) Tables() []output.Table {
	window := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	verdict := output.Table{
		Title:   x.title,
		Columns: []string{"status", "steps reached", "window start", "window end", "reason"},
		Rows:    [][]string{{x.Status, fmt.Sprintf("%d of %d", x.StepsReached, len(x.Steps)), window(x.WindowStart), window(x.WindowEnd), x.Reason}},
	}
	steps := output.Table{Title: "steps", Columns: []string{"step", "event", "reached", "time", "from start", "from previous"}}
	for _, s := range x.Steps {
		name := s.Event
		if len(s.Where) > 0 {
			name += " (" + strings.Join(s.Where, "; ") + ")"
		}
		row := []string{strconv.Itoa(s.Step), name, "no", "", "", ""}
		if s.Reached {
			row[2], row[3], row[4], row[5] = "yes", *s.Time, humanPtr(s.SecondsFromStart), humanPtr(s.SecondsFromPrevious)
		}
		steps.Rows = append(steps.Rows, row)
	}
	title := fmt.Sprintf("timeline (%s), %d event%s", x.Timezone, x.Events, plural(x.Events))
	if x.EarlierEvents+x.LaterEvents > 0 {
		title += fmt.Sprintf(", %d earlier and %d later not shown", x.EarlierEvents, x.LaterEvents)
	}
	tl := output.Table{Title: title, Columns: []string{"time", "event", "step", "in window", "note"}}
	for _, ev := range x.Timeline {
		step, in := "", ""
		if ev.Step > 0 {
			step = strconv.Itoa(ev.Step)
		}
		if x.WindowEnd != nil {
			in = "no"
			if ev.InWindow {
				in = "yes"
			}
		}
		tl.Rows = append(tl.Rows, []string{ev.Time, ev.Event, step, in, ev.Note})
	}
	return []output.Table{verdict, steps, tl}
}
