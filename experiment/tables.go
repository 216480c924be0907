package experiment

import (
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// Tables renders the result for table, CSV and Markdown output: the
// per-variant comparison, the funnel and revenue per variant when asked
// for, and a summary with the sample-ratio check, exclusions and verdict.
func (r *Result) Tables(l i18n.Lang) []output.Table {
	goal := r.Goal
	if goal == "" {
		goal = strings.Join(r.Steps, " → ")
	}
	main := output.Table{
		Title:   l.T("experiment %s → %s (window %s)", r.Property, goal, output.Seconds(r.WindowSeconds).In(l)),
		Columns: []string{l.T("variant"), l.T("users"), l.T("conversions"), l.T("rate"), l.T("95%% CI"), l.T("lift"), l.T("lift 95%% CI"), l.T("diff"), l.T("diff 95%% CI"), l.T("p-value"), l.T("test")},
	}
	for _, v := range r.Variants {
		name := v.Name
		if v.Control && !strings.Contains(strings.ToLower(name), "control") {
			name = l.T("%s (control)", name)
		}
		row := []string{name, count(v.Users), count(v.Conversions), percent(float64(v.Rate)), rateInterval(v.Low, v.High)}
		if v.Control {
			row = append(row, "-", "-", "-", "-", "-", "-")
		} else {
			row = append(row, signed(float64(v.Lift), true), interval(v.LiftLow, v.LiftHigh, true),
				signedPP(l, v.Diff), ppInterval(l, v.DiffLow, v.DiffHigh), pvalue(v.P), v.Test)
		}
		main.Rows = append(main.Rows, row)
	}
	tables := []output.Table{main}
	if len(r.Steps) > 0 && len(r.Variants) > 0 {
		f := output.Table{Title: l.T("funnel per variant"), Columns: []string{l.T("variant"), l.T("step"), l.T("event"), l.T("users"), l.T("conversion"), l.T("from previous")}}
		for _, v := range r.Variants {
			for k, s := range v.Steps {
				f.Rows = append(f.Rows, []string{v.Name, strconv.Itoa(k + 1), s.Event, count(s.Users), percent(float64(s.Conversion)), percent(float64(s.StepConv))})
			}
		}
		tables = append(tables, f)
	}
	if r.Revenue != "" && len(r.Variants) > 0 {
		m := output.Table{Title: l.T("revenue per user: %s", r.Revenue), Columns: []string{l.T("variant"), l.T("users"), l.T("mean"), l.T("sd"), l.T("total (revenue)"), l.T("diff"), l.T("diff 95%% CI"), l.T("p-value (Welch)")}}
		for _, v := range r.Variants {
			row := []string{v.Name, count(v.Users), money2(float64(v.Rev.Mean)), money2(float64(v.Rev.SD)), money2(float64(v.Rev.Total))}
			if v.Control {
				row = append(row, "-", "-", "-")
			} else {
				row = append(row, signed(float64(v.Rev.Diff), false), interval(v.Rev.DiffLow, v.Rev.DiffHigh, false), pvalue(v.Rev.P))
			}
			m.Rows = append(m.Rows, row)
		}
		tables = append(tables, m)
	}
	sum := output.Table{Title: l.T("summary"), Columns: []string{l.T("check"), l.T("result")}}
	if len(r.Variants) > 1 {
		var split []string
		for _, v := range r.Variants {
			split = append(split, l.T("%s %s (intended %s)", v.Name, percent(v.Share), percent(v.Expected)))
		}
		srm := l.T("ok")
		if r.SRMMismatch {
			srm = l.T("MISMATCH")
		}
		sum.Rows = append(sum.Rows, []string{l.T("sample ratio"), l.T("%s: chi-square %s, %s; %s", srm, strconv.FormatFloat(float64(r.SRMChi2), 'f', 2, 64), pEquals(r.SRMP), strings.Join(split, l.T(", ")))})
	}
	ex := l.T("none")
	if r.Excluded > 0 {
		by := r.ConflictsText(func(mix string, n int) string { return mix + ": " + count(n) })
		ex = l.T("%s users seen with more than one variant, excluded (%s)", count(r.Excluded), strings.Join(by, l.T(", ")))
	}
	sum.Rows = append(sum.Rows, []string{l.T("excluded"), ex})
	inProgress := 0
	for _, v := range r.Variants {
		inProgress += v.InProgress
	}
	if inProgress > 0 {
		sum.Rows = append(sum.Rows, []string{l.T("in progress"), l.T("%s users not converted yet with their window still open at the data's end (counted as not converted)", count(inProgress))})
	}
	sum.Rows = append(sum.Rows, []string{l.T("verdict"), r.text.In(l)})
	tables = append(tables, sum)
	if r.By == "" {
		return tables
	}
	// Variant x group: each group's own comparison with the control.
	bt := output.Table{Title: l.T("by %s (each group against the control)", r.By),
		Columns: []string{r.By, l.T("variant"), l.T("users"), l.T("conversions"), l.T("rate"), l.T("lift"), l.T("p-value"), l.T("verdict")}}
	for _, g := range r.Breakdown {
		group := query.GroupName(l, r.By, g.Value)
		if g.Result == nil {
			bt.Rows = append(bt.Rows, []string{group, "-", "-", "-", "-", "-", "-", g.note.In(l)})
			continue
		}
		for _, v := range g.Variants {
			lift, p := "-", "-"
			if !v.Control {
				lift, p = signed(float64(v.Lift), true), pvalue(v.P)
			}
			bt.Rows = append(bt.Rows, []string{group, v.Name, count(v.Users), count(v.Conversions), percent(float64(v.Rate)), lift, p, verdictName(g.Verdict).In(l)})
		}
	}
	return append(tables, bt)
}

func rateInterval(lo, hi Num) string {
	if !lo.Valid() || !hi.Valid() {
		return "-"
	}
	return "[" + percent(float64(lo)) + ", " + percent(float64(hi)) + "]"
}

// interval writes a signed interval, in percent when pct is set.
func interval(lo, hi Num, pct bool) string {
	if !lo.Valid() || !hi.Valid() {
		return "-"
	}
	if pct {
		return "[" + signed(float64(lo), true) + ", " + signed(float64(hi), true) + "]"
	}
	return "[" + money2(float64(lo)) + ", " + money2(float64(hi)) + "]"
}

// ppInterval writes an interval of rate differences in percentage
// points: [+2.16 pp, +9.12 pp], or under zh [+2.16, +9.12] 个百分点, the
// unit once as Chinese analysts write it.
func ppInterval(l i18n.Lang, lo, hi Num) string {
	if !lo.Valid() || !hi.Valid() {
		return "-"
	}
	return l.T("[%s pp, %s pp]", signedPoints(lo), signedPoints(hi))
}

// signedPP writes an absolute rate difference in percentage points:
// +5.65 pp (+5.65 个百分点 under zh; CSV and JSON keep pp).
func signedPP(l i18n.Lang, d Num) string {
	if !d.Valid() {
		return "-"
	}
	return l.T("%s pp", signedPoints(d))
}

// signedPoints is a rate difference in points with its sign, no unit.
func signedPoints(d Num) string {
	s := strconv.FormatFloat(float64(d)*100, 'f', 2, 64)
	if d >= 0 {
		s = "+" + s
	}
	return s
}
