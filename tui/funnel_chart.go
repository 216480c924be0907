package tui

import (
	"strconv"
	"strings"

	"github.com/guptarohit/asciigraph"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// funnelChart draws one bar per step (users, conversion from step 1) with
// a line under it for drop-off and time to convert, then the breakdown and
// the conversion trend.
func funnelChart(sh *shared, r *query.FunnelResult, top []query.FunnelBreakdown, w, sel int) string {
	st := sh.st
	var b strings.Builder
	first, last := 0, 0
	if len(r.Steps) > 0 {
		first, last = r.Steps[0].Users, r.Steps[len(r.Steps)-1].Users
	}
	overall := query.Undefined
	if len(r.Steps) > 0 {
		overall = r.Steps[len(r.Steps)-1].Conversion
	}
	// Another product's rules are named, so its numbers are not read as spoor's.
	rules := ""
	if r.Semantics != "" {
		rules = r.Semantics + " · "
		if len(r.Options) > 0 {
			rules = r.Semantics + " " + strings.Join(r.Options, ",") + " · "
		}
	}
	b.WriteString(st.Title.Render(i18n.T("Funnel · %s%s · window %s — %s → %s (%s)", rules, valueLabel(r.Mode), output.Duration(r.WindowSeconds),
		thousands(first), thousands(last), query.Percent(overall))))
	nameW := funnelNameW(w)
	barW := max(w-nameW-20, 6)
	for i, s := range r.Steps {
		num := strconv.Itoa(i + 1)
		if i == sel && st.Plain {
			num = "▸"
		}
		name := padRight(num+" "+s.Event, nameW)
		if i == sel {
			name = st.Selected.Render(name)
		}
		full := int(s.Conversion.Or(0)*float64(barW) + 0.5)
		bar := st.Bar.Render(strings.Repeat("█", full)) + st.BarDrop.Render(strings.Repeat("░", barW-full))
		b.WriteString("\n" + name + " " + bar + " " + padLeft(thousands(s.Users), 8) + " " + padLeft(query.Percent(s.Conversion), 6))
		for _, l := range strings.Split(funnelInfo(r, i, w-nameW-1), "\n") {
			b.WriteString("\n" + strings.Repeat(" ", nameW+1) + st.Dim.Render(l))
		}
	}
	if len(r.Breakdown) > 1 {
		b.WriteString("\n\n" + st.Title.Render(truncate(i18n.T("Conversion by %s", r.By), w)))
		for _, g := range top {
			if len(g.Steps) == 0 {
				continue
			}
			c := g.Steps[len(g.Steps)-1].Conversion
			full := int(c.Or(0)*float64(barW) + 0.5)
			b.WriteString("\n" + padRight(query.GroupName(i18n.Current(), r.By, g.Value), nameW) + " " + st.Bar.Render(strings.Repeat("▇", full)) +
				strings.Repeat(" ", barW-full) + " " + padLeft(thousands(g.Steps[0].Users), 8) + " " + padLeft(query.Percent(c), 6))
		}
	}
	return b.String()
}

// funnelNameW is the width of the step names beside the bars.
func funnelNameW(w int) int { return min(22, max(10, w/4)) }

// funnelInfo is the line (or lines, wrapped at its separators to width
// w) under step i's bar: conversion from the previous step, time to
// convert, drop-off and users in progress.
func funnelInfo(r *query.FunnelResult, i, w int) string {
	s := r.Steps[i]
	var info []string
	if i > 0 {
		info = append(info, i18n.T("%s of previous", query.Percent(s.StepConversion)))
		if s.MedianSeconds != nil {
			t := i18n.T("median %s", output.Duration(*s.MedianSeconds))
			if s.P25Seconds != nil && s.P75Seconds != nil {
				t = i18n.T("median %s (%s–%s)", output.Duration(*s.MedianSeconds), output.Duration(*s.P25Seconds), output.Duration(*s.P75Seconds))
			}
			info = append(info, t)
		}
	}
	if i < len(r.Steps)-1 {
		info = append(info, i18n.T("↓ %d dropped", s.DropOff))
	}
	if s.InProgress > 0 {
		info = append(info, i18n.T("%d in progress", s.InProgress))
	}
	return fitLines(visibleLines(wrapJoin(info, " · ", w)), w, 3)
}

// funnelTrend plots the conversion per interval of step-1 time; it sits
// under the table so the funnel and its exact numbers come first.
func funnelTrend(sh *shared, r *query.FunnelResult, w int) string {
	var b strings.Builder
	st := sh.st
	if len(r.Trend) > 1 {
		data := make([]float64, len(r.Trend))
		for i, p := range r.Trend {
			data[i] = float64(p.Conversion) * 100 // NaN (nobody started) is a gap
		}
		n := len(data)
		plot := plotLines([]lineSeries{{values: data}}, max(w-14, 10), asciigraph.Height(5), asciigraph.Precision(0), asciigraph.YAxisValueFormatter(axisLabel(0)),
			asciigraph.LowerBound(0), asciigraph.XAxisRange(0, float64(n-1)), asciigraph.XAxisTickCount(max(2, min(n, (w-8)/12))),
			asciigraph.XAxisValueFormatter(func(v float64) string {
				return shortDate(r.Trend[min(max(int(v+0.5), 0), n-1)].T)
			}))
		plot = axisDates(plot, n, func(i int) string { return r.Trend[i].T })
		b.WriteString(st.Title.Render(i18n.T("Conversion %% per %s of step 1", valueLabel(r.Interval))) + "\n" + plot)
	}
	return b.String()
}
