package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/segment"
)

// savedChart draws the preview (size, share, trend of size) of the
// expression being written, then one bar per saved entry. It returns the
// line of the first entry, so the selection can be kept on screen.
func savedChart(sh *shared, r *savedResult, w, sel int) (string, int) {
	st := sh.st
	var b strings.Builder
	switch {
	case r.expr == "":
		b.WriteString(st.Title.Render(i18n.T("Preview")) + "\n" + st.Dim.Render(wrap(i18n.T("Enter on expr to write a segment, e.g. %s", exprExample(sh)), w)))
	case r.err != nil:
		b.WriteString(st.Title.Render(truncate(i18n.T("Preview: %s", r.expr), w)) + "\n" + st.Error.Render(wrap(r.err.Error(), w)))
	default:
		b.WriteString(st.Title.Render(truncate(i18n.T("Preview: %s", r.expr), w)) + "\n")
		b.WriteString(i18n.T("%d of %d users (%s) now", r.users, r.total, output.Percent(r.share(r.users))))
		if len(r.unknown) > 0 {
			b.WriteString("\n" + st.Error.Render(wrap(strings.Join(r.unknown, "; "), w)))
		}
		if len(r.trend) > 1 {
			b.WriteString("\n" + st.Dim.Render(i18n.T("members at the end of each of the last %d days", len(r.trend))) + "\n" + sizeTrend(r.trend, w))
		}
	}
	b.WriteString("\n\n" + st.Title.Render(i18n.T("Saved segments and audience rules")))
	at := strings.Count(b.String(), "\n") + 1
	if len(r.entries) == 0 {
		b.WriteString("\n" + st.Dim.Render(wrap(i18n.T("none yet: write an expression, name it, and Enter on save"), w)))
		return b.String(), at
	}
	// An audience's size at the import before the last one follows its bar.
	was := make([]string, len(r.entries))
	wasW := 0
	for i, e := range r.entries {
		if e.PrevCount != nil && e.LastCount != nil {
			was[i] = " " + i18n.T("was %d", *e.PrevCount)
			wasW = max(wasW, lipglossWidth(was[i]))
		}
	}
	nameW := min(20, max(8, w/4))
	// The bar takes half of what is left; the expression the rest.
	barW := min(max((w-nameW-16-wasW)/2, 4), 30)
	exprW := w - nameW - 16 - wasW - barW - 1
	for i, e := range r.entries {
		name := e.Name
		if e.kind == segment.Audiences {
			name = i18n.T("aud:%s", name)
		}
		name = padRight(name, nameW)
		if i == sel {
			if st.Plain {
				name = padRight("▸ "+strings.TrimSpace(name), nameW)
			}
			name = st.Selected.Render(name)
		}
		if e.err != nil {
			b.WriteString("\n" + name + " " + st.Error.Render(truncate(e.err.Error(), w-nameW-1)))
			continue
		}
		n := len(e.members)
		full := int(r.share(n)*float64(barW) + 0.5)
		bar := st.Bar.Render(strings.Repeat("█", full)) + strings.Repeat(" ", barW-full)
		line := name + " " + bar + " " + padLeft(thousands(n), 7) + " " + padLeft(output.Percent(r.share(n)), 6)
		line += st.Dim.Render(padRight(was[i], wasW))
		if exprW >= 8 {
			line += " " + st.Dim.Render(truncate(e.Expr, exprW))
		}
		b.WriteString("\n" + line)
		if e.campaign != nil {
			b.WriteString("\n" + strings.Repeat(" ", nameW+1) + st.Dim.Render(truncate(campaignText(e, r.loc), w-nameW-1)))
		}
	}
	return b.String(), at
}

// campaignText is an audience's lift and last export, under its bar:
// the lift first, as the narrowest screens cut the end.
func campaignText(e entryRow, loc *time.Location) string {
	c := e.campaign
	last := c.Exports[len(c.Exports)-1]
	export := i18n.T("export %s, %d of %d held out", exportDay(last.At, loc), c.Control.Users, c.Control.Users+c.Treated.Users)
	if c.Goal == "" {
		return i18n.T("no goal recorded (export with --goal EVENT) · %s", export)
	}
	l := e.lift()
	return i18n.T("lift %s %s p %s (%s, 14d) · %s incremental · %s", signedPct(l.Lift), intervalText(l.Low, l.High), pText(l.P), c.Goal, numText(l.Incremental), export)
}

// sizeTrend plots members per day, four rows high.
func sizeTrend(pts []segment.SizePoint, w int) string {
	data := make([]float64, len(pts))
	top := 0.0
	for i, p := range pts {
		data[i] = float64(p.Users)
		top = max(top, data[i])
	}
	labelW := len(strconv.Itoa(int(top))) + 2
	n := len(pts)
	plot := plotLines([]lineSeries{{values: data}}, max(w-labelW-6, 10), asciigraph.Height(4), asciigraph.Precision(0),
		asciigraph.YAxisValueFormatter(axisLabel(0)), asciigraph.LowerBound(0),
		asciigraph.XAxisRange(0, float64(n-1)), asciigraph.XAxisTickCount(max(2, min(n, (w-labelW)/12))),
		asciigraph.XAxisValueFormatter(func(v float64) string {
			return shortDate(pts[min(max(int(v+0.5), 0), n-1)].Day)
		}))
	return axisDates(plot, n, func(i int) string { return pts[i].Day })
}

// groupChart draws RFM tiers or lifecycle stages as bars of their share.
func groupChart(sh *shared, r *groupResult, w, sel int) string {
	st := sh.st
	var b strings.Builder
	b.WriteString(st.Title.Render(truncate(r.title, w)))
	nameW := min(20, max(10, w/4))
	barW := max(w-nameW-17, 4)
	for i, g := range r.groups {
		name := padRight(r.groupName(g.Name), nameW)
		if i == sel {
			if st.Plain {
				name = padRight("▸ "+r.groupName(g.Name), nameW)
			}
			name = st.Selected.Render(name)
		}
		full := int(g.Share*float64(barW) + 0.5)
		bar := st.Bar.Render(strings.Repeat("█", full)) + st.BarDrop.Render(strings.Repeat("░", barW-full))
		b.WriteString("\n" + name + " " + bar + " " + padLeft(thousands(g.Users), 7) + " " + padLeft(output.Percent(g.Share), 6))
	}
	if r.note != "" {
		b.WriteString("\n" + st.Dim.Render(wrap(r.note+i18n.T(" · enter lists a group's users"), w)))
	}
	return b.String()
}

// exprExample is a segment expression on this data's own events: users
// who came back (its repeated event) and never reached the last step of
// the first funnel (its journey's end).
func exprExample(sh *shared) string {
	ev := orDefault(sh.picks.repeat, "login")
	ex := "did " + quoteWord(ev) + " >= 2 in 30d"
	if n := len(sh.funnelSeed); n > 0 && sh.funnelSeed[n-1] != ev {
		ex += " and not did " + quoteWord(sh.funnelSeed[n-1])
	}
	return ex
}
