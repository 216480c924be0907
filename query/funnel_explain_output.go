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
func (x *FunnelExplain) Tables(l i18n.Lang) []output.Table {
	window := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	verdict := output.Table{
		Title:   x.title.In(l),
		Columns: []string{l.T("status"), l.T("steps reached"), l.T("window start"), l.T("window end"), l.T("reason")},
		Rows:    [][]string{{ExplainStatusName(l, x.Status), l.T("%d of %d", x.StepsReached, len(x.Steps)), window(x.WindowStart), window(x.WindowEnd), x.reason.In(l)}},
	}
	steps := output.Table{Title: l.T("steps"), Columns: []string{l.T("step"), l.T("event"), l.T("reached"), l.T("time"), l.T("from start"), l.T("from previous")}}
	for _, s := range x.Steps {
		name := s.Event
		if len(s.Where) > 0 {
			name += " (" + strings.Join(s.Where, "; ") + ")"
		}
		row := []string{strconv.Itoa(s.Step), name, l.T("no"), "", "", ""}
		if s.Reached {
			row[2], row[3], row[4], row[5] = l.T("yes"), *s.Time, humanPtr(l, s.SecondsFromStart), humanPtr(l, s.SecondsFromPrevious)
		}
		steps.Rows = append(steps.Rows, row)
	}
	title := l.T("timeline (%s), %d events", x.Timezone, x.Events)
	if x.EarlierEvents+x.LaterEvents > 0 {
		title = l.T("timeline (%s), %d events, %d earlier and %d later not shown", x.Timezone, x.Events, x.EarlierEvents, x.LaterEvents)
	}
	tl := output.Table{Title: title, Columns: []string{l.T("time"), l.T("event"), l.T("step"), l.T("in window"), l.T("note")}}
	for _, ev := range x.Timeline {
		step, in := "", ""
		if ev.Step > 0 {
			step = strconv.Itoa(ev.Step)
		}
		if x.WindowEnd != nil {
			in = l.T("no")
			if ev.InWindow {
				in = l.T("yes")
			}
		}
		tl.Rows = append(tl.Rows, []string{ev.Time, ev.Event, step, in, ev.note.In(l)})
	}
	return []output.Table{verdict, steps, tl}
}
