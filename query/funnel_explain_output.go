package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// Text is the explanation as spoor funnel --explain prints it on a
// terminal: the verdict, then the timeline with each event's meaning and
// the line where the counted window closes.
func (x *FunnelExplain) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n\n", x.title, x.verdict)
	fmt.Fprintln(&b, i18n.T("%s:", i18n.T("timeline (%s), %d events", x.Timezone, x.Events)))
	if x.EarlierEvents > 0 {
		fmt.Fprintf(&b, "  … %s\n", i18n.T("%d earlier events", x.EarlierEvents))
	}
	counted, closed := x.WindowEnd != nil, false
	for _, ev := range x.Timeline {
		if counted && !closed && ev.ms > x.limit {
			fmt.Fprintf(&b, "  ── %s ──\n", i18n.T("window closes at %s", x.when(x.limit)))
			closed = true
		}
		fmt.Fprintf(&b, "  %s  %s%s\n", x.when(ev.ms), ev.Event, ev.textNote())
	}
	if counted && !closed {
		fmt.Fprintf(&b, "  ── %s ──\n", i18n.T("window closes at %s", x.when(x.limit)))
	}
	if x.LaterEvents > 0 {
		fmt.Fprintf(&b, "  … %s\n", i18n.T("%d later events", x.LaterEvents))
	}
	return b.String()
}

// when is the text form's instant: the display timezone, no offset, as
// the rest of the text reads.
func (x *FunnelExplain) when(ms int64) string {
	return time.UnixMilli(ms).In(x.loc).Format("2006-01-02 15:04:05.000")
}

func (ev FunnelExplainEvent) textNote() string {
	switch {
	case ev.note.IsZero():
		return ""
	case ev.chain:
		return "   ← " + ev.note.String()
	}
	return "   " + i18n.T("(%s)", ev.note.String())
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
		Title:   x.title.String(),
		Columns: []string{i18n.T("status"), i18n.T("steps reached"), i18n.T("window start"), i18n.T("window end"), i18n.T("reason")},
		Rows:    [][]string{{ExplainStatusName(x.Status), i18n.T("%d of %d", x.StepsReached, len(x.Steps)), window(x.WindowStart), window(x.WindowEnd), x.reason.String()}},
	}
	steps := output.Table{Title: i18n.T("steps"), Columns: []string{i18n.T("step"), i18n.T("event"), i18n.T("reached"), i18n.T("time"), i18n.T("from start"), i18n.T("from previous")}}
	for _, s := range x.Steps {
		name := s.Event
		if len(s.Where) > 0 {
			name += " (" + strings.Join(s.Where, "; ") + ")"
		}
		row := []string{strconv.Itoa(s.Step), name, i18n.T("no"), "", "", ""}
		if s.Reached {
			row[2], row[3], row[4], row[5] = i18n.T("yes"), *s.Time, humanPtr(s.SecondsFromStart), humanPtr(s.SecondsFromPrevious)
		}
		steps.Rows = append(steps.Rows, row)
	}
	title := i18n.T("timeline (%s), %d events", x.Timezone, x.Events)
	if x.EarlierEvents+x.LaterEvents > 0 {
		title = i18n.T("timeline (%s), %d events, %d earlier and %d later not shown", x.Timezone, x.Events, x.EarlierEvents, x.LaterEvents)
	}
	tl := output.Table{Title: title, Columns: []string{i18n.T("time"), i18n.T("event"), i18n.T("step"), i18n.T("in window"), i18n.T("note")}}
	for _, ev := range x.Timeline {
		step, in := "", ""
		if ev.Step > 0 {
			step = strconv.Itoa(ev.Step)
		}
		if x.WindowEnd != nil {
			in = i18n.T("no")
			if ev.InWindow {
				in = i18n.T("yes")
			}
		}
		tl.Rows = append(tl.Rows, []string{ev.Time, ev.Event, step, in, ev.note.String()})
	}
	return []output.Table{verdict, steps, tl}
}
