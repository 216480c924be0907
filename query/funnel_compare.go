package query

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// FunnelCompare is one funnel counted under every semantics
// (spoor funnel --compare); its JSON keys are in docs/json.md.
type FunnelCompare struct {
	Mode    string              `json:"mode"`
	Steps   []string            `json:"steps"`
	Rows    []FunnelCompareRow  `json:"rows"`    // one per semantics that reproduces the mode
	Skipped []FunnelCompareSkip `json:"skipped"` // the others, with why
}

// FunnelCompareRow is the funnel under one semantics.
type FunnelCompareRow struct {
	Semantics  string   `json:"semantics"`
	Options    []string `json:"options,omitempty"`
	Users      []int    `json:"users"`      // per step
	Conversion Num      `json:"conversion"` // last step over step 1; null when nobody did step 1
}

// FunnelCompareSkip names a semantics left out, and why.
type FunnelCompareSkip struct {
	Semantics string `json:"semantics"`
	Reason    string `json:"reason"` // in English, as all JSON

	reason i18n.Msg // shown in the tables
}

// CompareFunnel computes q under every semantics; --option values apply
// to the clickhouse row. A semantics that cannot reproduce q's mode is
// skipped with the reason; any other error is returned.
func (d *Dataset) CompareFunnel(ctx context.Context, q FunnelQuery) (*FunnelCompare, error) {
	c := &FunnelCompare{Rows: []FunnelCompareRow{}, Skipped: []FunnelCompareSkip{}}
	for _, st := range q.Steps {
		c.Steps = append(c.Steps, stepSpec(st))
	}
	for _, sem := range Semantics {
		qs := q
		qs.Semantics, qs.Options = sem, nil
		if sem == SemClickHouse {
			qs.Options = q.Options
		}
		p, err := d.planFunnel(ctx, qs)
		var un unsupportedError
		if errors.As(err, &un) {
			c.Skipped = append(c.Skipped, FunnelCompareSkip{Semantics: sem, Reason: un.msg.In(i18n.English), reason: un.msg})
			continue
		}
		if err != nil {
			return nil, err
		}
		r, err := p.run(ctx)
		if err != nil {
			return nil, err
		}
		c.Mode = r.Mode
		row := FunnelCompareRow{Semantics: sem, Options: qs.Options}
		for _, s := range r.Steps {
			row.Users = append(row.Users, s.Users)
		}
		row.Conversion = Ratio(row.Users[len(row.Users)-1], row.Users[0])
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// stepSpec writes a step back as --steps reads it.
func stepSpec(st FunnelStep) string {
	return strings.Join(append([]string{st.Event}, st.Where...), " where ")
}

// Tables shows one row per semantics, users per step, and the skipped.
func (c *FunnelCompare) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Title: l.T("funnel (%s) under each product's semantics", ModeMsg(c.Mode).In(l)), Columns: []string{l.T("semantics")}}
	for k, s := range c.Steps {
		col := fmt.Sprintf("%d. %s", k+1, s)
		if c.Mode == FunnelAny { // the column counts users who did that many distinct steps
			col = l.T("any %d of %d", k+1, len(c.Steps))
		}
		t.Columns = append(t.Columns, col)
	}
	t.Columns = append(t.Columns, l.T("conversion"))
	for _, r := range c.Rows {
		name := r.Semantics
		if len(r.Options) > 0 {
			name += " (" + strings.Join(r.Options, ", ") + ")"
		}
		row := []string{name}
		for _, u := range r.Users {
			row = append(row, strconv.Itoa(u))
		}
		tabs := append(row, Percent(r.Conversion))
		t.Rows = append(t.Rows, tabs)
	}
	out := []output.Table{t}
	if len(c.Skipped) > 0 {
		s := output.Table{Title: l.T("not compared"), Columns: []string{l.T("semantics"), l.T("why")}}
		for _, k := range c.Skipped {
			s.Rows = append(s.Rows, []string{k.Semantics, k.reason.In(l)})
		}
		out = append(out, s)
	}
	return out
}

// FunnelDiff lists the users two semantics count at different steps
// (spoor funnel --explain-diff A,B), each with both verdicts as
// --explain gives them; its JSON keys are in docs/json.md.
type FunnelDiff struct {
	A       string           `json:"a"`
	B       string           `json:"b"`
	Steps   []string         `json:"steps"`
	Counted [2]int           `json:"counted"` // users counted (step 1) under A and B
	Users   []FunnelDiffUser `json:"users"`   // every user counted differently, in dataset order
}

// FunnelDiffUser is one user counted differently.
type FunnelDiffUser struct {
	User string         `json:"user"`
	A    FunnelDiffSide `json:"a"`
	B    FunnelDiffSide `json:"b"`
}

// FunnelDiffSide is the user's count under one semantics.
type FunnelDiffSide struct {
	StepsReached int    `json:"steps_reached"` // 0 when not counted
	Status       string `json:"status"`        // as FunnelExplain's
	Reason       string `json:"reason"`        // empty when converted
	Verdict      string `json:"verdict"`

	verdict i18n.Msg // shown in the table
}

// DiffFunnel counts q under semantics a and b (q's --option values go to
// clickhouse) and explains every user whose deepest step differs.
func (d *Dataset) DiffFunnel(ctx context.Context, q FunnelQuery, a, b string) (*FunnelDiff, error) {
	var plans [2]*funnelPlan
	var res [2]*FunnelResult
	for i, sem := range []string{a, b} {
		qs := q
		qs.Semantics = sem
		if !strings.EqualFold(strings.TrimSpace(sem), SemClickHouse) {
			qs.Options = nil
		}
		p, err := d.planFunnel(ctx, qs)
		if err != nil {
			return nil, i18n.Errorf("--explain-diff %s: %w", sem, err)
		}
		plans[i] = p
		if res[i], err = p.run(ctx); err != nil {
			return nil, err
		}
	}
	diff := &FunnelDiff{A: plans[0].sem, B: plans[1].sem, Users: []FunnelDiffUser{}}
	for _, st := range q.Steps {
		diff.Steps = append(diff.Steps, stepSpec(st))
	}
	diff.Counted = [2]int{res[0].Steps[0].Users, res[1].Steps[0].Users}
	workers := [2]*funnelWorker{newFunnelWorker(plans[0]), newFunnelWorker(plans[1])}
	for u := range d.Users {
		if res[0].Level[u] == res[1].Level[u] {
			continue
		}
		if err := stopped(ctx, 0, u); err != nil {
			return nil, err
		}
		du := FunnelDiffUser{User: d.Users[u]}
		for i, side := range []*FunnelDiffSide{&du.A, &du.B} {
			level, open := workers[i].person(u)
			e := &funnelExplainer{p: plans[i], w: workers[i], u: u, level: level, open: open}
			side.StepsReached = level + 1
			var reason i18n.Msg
			side.Status, reason, side.verdict = e.verdict()
			side.Reason, side.Verdict = reason.In(i18n.English), side.verdict.In(i18n.English)
		}
		diff.Users = append(diff.Users, du)
	}
	return diff, nil
}

// Tables shows the differing users with both verdicts.
func (f *FunnelDiff) Tables(l i18n.Lang) []output.Table {
	t := output.Table{
		Title:   l.T("%d users counted differently under %s and %s (step 1: %d and %d users)", len(f.Users), f.A, f.B, f.Counted[0], f.Counted[1]),
		Columns: []string{l.T("user"), l.T("%s steps", f.A), l.T("%s steps", f.B), f.A, f.B},
	}
	for _, u := range f.Users {
		t.Rows = append(t.Rows, []string{u.User, strconv.Itoa(u.A.StepsReached), strconv.Itoa(u.B.StepsReached), u.A.verdict.In(l), u.B.verdict.In(l)})
	}
	return []output.Table{t}
}
