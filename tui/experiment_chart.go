package tui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// experimentChart draws one bar per variant (conversion rate) with its
// 95% interval as a whisker on the same scale, a line of numbers under
// each, then the verdict, the sample-ratio check against the intended
// split (weights, "even" or "90/10"), exclusions and, for a funnel goal,
// each step's conversion per variant. Variant sel is marked.
func experimentChart(sh *shared, r *experiment.Result, weights string, w, sel int) string {
	st := sh.st
	var b strings.Builder
	goal := r.Goal
	if goal == "" {
		goal = strings.Join(r.Steps, " → ")
	}
	b.WriteString(st.Title.Render(truncate(i18n.T("Experiment %s → %s · window %s", r.Property, goal, output.Duration(r.WindowSeconds)), w)))
	if len(r.Variants) == 0 {
		return b.String() + "\n" + wrap(r.VerdictText(), w)
	}
	top := 0.0 // the scale ends past the widest whisker
	for _, v := range r.Variants {
		if v.High.Valid() {
			top = max(top, float64(v.High))
		}
	}
	top = niceCeil(top)
	nameW := min(16, max(8, w/5))
	barW := max(w-nameW-9, 10)
	for i, v := range r.Variants {
		name := v.Name
		if v.Control {
			name += " ◆"
		}
		if i == sel && st.Plain {
			name = "▸ " + name
		}
		name = padRight(name, nameW)
		if i == sel {
			name = st.Selected.Render(name)
		}
		b.WriteString("\n" + name + " " + whiskerBar(sh, v, top, barW) + " " + padLeft(rateText(v.Rate), 7))
		info := []string{i18n.T("%d users", v.Users), i18n.T("%d conv", v.Conversions), intervalText(v.Low, v.High)}
		if !v.Control {
			info = append(info, i18n.T("lift %s", signedPct(v.Lift)), "p "+pText(v.P))
			if v.Significant {
				info = append(info, i18n.T("significant"))
			}
		}
		b.WriteString("\n" + strings.Repeat(" ", nameW+1) + st.Dim.Render(truncate(strings.Join(info, " · "), w-nameW-1)))
	}
	// The axis: 0 under the bars' start, the scale's end under their end.
	end := percentShort(top)
	axis := strings.Repeat(" ", nameW+1) + st.Dim.Render("0%"+strings.Repeat(" ", max(barW-2-len(end), 1))+end)
	if legend := "  " + i18n.T("◆ control · ├─┤ 95%% interval"); lipglossWidth(axis)+lipglossWidth(legend) <= w {
		axis += st.Dim.Render(legend)
	}
	b.WriteString("\n" + axis)
	verdict := st.Title
	if r.Verdict == experiment.VerdictWinner {
		verdict = st.Status
	}
	b.WriteString("\n\n" + verdict.Render(wrap(r.VerdictText(), w)))
	if len(r.Variants) > 1 && r.SRMP.Valid() {
		b.WriteString("\n" + srmLine(sh, r, weights, w))
	}
	b.WriteString("\n" + wrap(excludedText(r), w))
	if len(r.Steps) > 1 {
		b.WriteString("\n\n" + funnelPerVariant(sh, r, w))
	}
	return b.String()
}

// srmLine is the sample-ratio check against the intended split: each
// variant's share, with the intended one when the split is not even.
func srmLine(sh *shared, r *experiment.Result, weights string, w int) string {
	var split []string
	for _, v := range r.Variants {
		part := fmt.Sprintf("%s %s", v.Name, output.Percent(v.Share))
		if weights != "even" {
			part += i18n.T(" (want %s)", output.Percent(v.Expected))
		}
		split = append(split, part)
	}
	if r.SRMMismatch {
		return sh.st.Error.Render(wrap(i18n.T("SRM vs %s: SAMPLE RATIO MISMATCH (p %s): %s — check the assignment before trusting the result",
			weightsText(weights), pText(r.SRMP), strings.Join(split, " / ")), w))
	}
	return wrap(i18n.T("SRM vs %s: ok (p %s): %s", weightsText(weights), pText(r.SRMP), strings.Join(split, " / ")), w)
}

// weightsText is the intended split as a person reads it.
func weightsText(weights string) string {
	if weights == "even" {
		return i18n.T("even")
	}
	return weights
}

// whiskerBar is the rate as a bar from 0, with the interval drawn over it:
// ├ at the low end, ─ from the rate to the high end, ┤ at the high end.
func whiskerBar(sh *shared, v experiment.Variant, top float64, width int) string {
	if !v.Rate.Valid() || top <= 0 {
		return strings.Repeat(" ", width)
	}
	col := func(x float64) int { return min(max(int(x/top*float64(width)+0.5), 0), width-1) }
	rate := int(float64(v.Rate)/top*float64(width) + 0.5)
	lo, hi := col(float64(v.Low)), col(float64(v.High))
	var b strings.Builder
	for c := 0; c < width; c++ {
		switch {
		case c == lo && lo != hi:
			b.WriteString(sh.st.Title.Render("├"))
		case c == hi && lo != hi:
			b.WriteString(sh.st.Title.Render("┤"))
		case c < rate:
			b.WriteString(sh.st.Bar.Render("█"))
		case c > lo && c < hi:
			b.WriteString(sh.st.Title.Render("─"))
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

// niceCeil rounds a rate up to a round scale end (5%, 10%, 20%, …, 100%).
func niceCeil(x float64) float64 {
	for _, s := range []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1} {
		if x <= s {
			return s
		}
	}
	return 1
}

func rateText(n experiment.Num) string {
	if !n.Valid() {
		return "-"
	}
	return output.Percent(float64(n))
}

func intervalText(lo, hi experiment.Num) string {
	if !lo.Valid() || !hi.Valid() {
		return "-"
	}
	return "[" + strconv.FormatFloat(float64(lo)*100, 'f', 1, 64) + "–" + output.Percent(float64(hi)) + "]"
}

func signedPct(n experiment.Num) string {
	if !n.Valid() {
		return "-"
	}
	s := output.Percent(float64(n))
	if n >= 0 {
		s = "+" + s
	}
	return s
}

// pText writes a p-value with the precision that matters: 0.043, <0.001.
func pText(p experiment.Num) string {
	switch {
	case !p.Valid():
		return "-"
	case p < 0.001:
		return "<0.001"
	}
	return strconv.FormatFloat(float64(p), 'f', 3, 64)
}

func percentShort(f float64) string {
	return strconv.FormatFloat(f*100, 'f', -1, 64) + "%"
}

func excludedText(r *experiment.Result) string {
	if r.Excluded == 0 {
		return i18n.T("excluded: none (every user saw one variant)")
	}
	by := r.ConflictsText(func(mix string, n int) string { return mix + " " + thousands(n) })
	return i18n.T("excluded: %d users seen with more than one variant (%s)", r.Excluded, strings.Join(by, i18n.T(", ")))
}

// funnelPerVariant is one row per step and one column per variant: the
// share of exposed users who reached the step.
func funnelPerVariant(sh *shared, r *experiment.Result, w int) string {
	st := sh.st
	colW := 10
	nameW := max(w-colW*len(r.Variants), 8)
	var b strings.Builder
	b.WriteString(st.Title.Render(i18n.T("Funnel per variant")) + "\n" + padRight(i18n.T("step"), nameW))
	for _, v := range r.Variants {
		b.WriteString(padLeft(v.Name, colW))
	}
	for k, step := range r.Steps {
		b.WriteString("\n" + padRight(strconv.Itoa(k+1)+" "+step, nameW))
		for _, v := range r.Variants {
			cell := "-"
			if k < len(v.Steps) {
				cell = rateText(v.Steps[k].Conversion)
			}
			b.WriteString(padLeft(cell, colW))
		}
	}
	return b.String()
}
