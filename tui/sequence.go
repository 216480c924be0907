package tui

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/sequence"
)

// Explore's sequence view: the users a ClickHouse-style pattern matches
// (spoor match), Enter on one shows their timeline with the matched
// events marked.

// sequenceRows are the Explore rows that set the conditions and pattern.
func (e *explore) sequenceRows() []row {
	return []row{
		{label: i18n.T("conds"), value: orDash(e.Conditions), edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Sequence conditions"), i18n.T("numbered from 1, comma-separated: view_item,add_to_cart,purchase where value > 50"),
				e.Conditions, nil, func(v string) tea.Cmd { e.Conditions, e.Show = v, "sequence"; return nil })
		}},
		{label: i18n.T("pattern"), value: orDash(e.Pattern), edit: func(sh *shared) dialog {
			return newPrompt(i18n.T("Sequence pattern"), i18n.T("(?N) condition N · . any event · .* any events · (?t<=3600) seconds between, e.g. (?1).*(?2)(?t<=3600)(?3)"),
				e.Pattern, e.checkPattern, func(v string) tea.Cmd { e.Pattern, e.Show = v, "sequence"; return nil })
		}},
	}
}

// checkPattern refuses a pattern the conditions cannot number.
func (e *explore) checkPattern(v string) error {
	_, err := sequence.Parse(v, max(1, len(splitConditions(e.Conditions))))
	return err
}

// splitConditions splits on commas outside parentheses and quotes, as
// --conditions does, so a filter may say "device in (ios, android)".
func splitConditions(s string) []string {
	var out []string
	depth, quote, start := 0, rune(0), 0
	add := func(p string) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth = max(0, depth-1)
		case r == ',' && depth == 0:
			add(s[start:i])
			start = i + 1
		}
	}
	add(s[start:])
	return out
}

func (e *explore) sequenceRunner() (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	conds := splitConditions(e.Conditions)
	if len(conds) == 0 || strings.TrimSpace(e.Pattern) == "" {
		return nil, i18n.Errorf("no pattern yet: set the conditions and the pattern rows, e.g. view_item,purchase and (?1).*(?2)")
	}
	q := sequence.Query{Common: e.c, Conditions: conds, Pattern: e.Pattern}
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := sequence.Run(ctx, d, q)
		if err != nil {
			return nil, err
		}
		return sequenceResult(d, r), nil
	}, nil
}

// sequenceResult lists the matched users, most matches first.
func sequenceResult(d *query.Dataset, r *sequence.Result) result {
	var users []sequence.UserResult
	for _, u := range r.Users {
		if u.Match {
			users = append(users, u)
		}
	}
	slices.SortStableFunc(users, func(a, b sequence.UserResult) int { return cmp.Compare(b.Count, a.Count) })
	lr := &listResult{does: listTimeline, head: func(l i18n.Lang) (string, []string) {
		return l.T("%d of %d users match %s", r.Matched, len(r.Users), r.Pattern), []string{l.T("user"), l.T("matches"), l.T("first match")}
	}}
	for _, u := range users {
		lr.t.Rows = append(lr.t.Rows, []string{u.User, strconv.Itoa(u.Count), strings.Join(u.EventTimes, " ")})
		lr.bars = append(lr.bars, u.Count)
	}
	lr.onEnter = func(sh *shared, sel int) tea.Cmd {
		u := users[sel]
		return func() tea.Msg {
			return pageMsg{p: &textPage{title: i18n.T("Timeline of %s — first match of %s marked", u.User, r.Pattern), lines: sequenceTimeline(d, u)}}
		}
	}
	return lr
}

// sequenceTimeline is the user's events, the first match's marked.
func sequenceTimeline(d *query.Dataset, u sequence.UserResult) []string {
	atom := map[int32]int{}
	for k, i := range u.Events {
		atom[i] = k + 1
	}
	var lines []string
	for j := d.Start[u.Person]; j < d.Start[u.Person+1]; j++ {
		if len(lines) == timelineLimit {
			lines = append(lines, i18n.T("… stopped at %d events; spoor user %s prints them all", timelineLimit, u.User))
			break
		}
		line := time.UnixMilli(d.Time[j]).In(d.Loc).Format("2006-01-02 15:04:05") + "  " + padRight(d.Names[d.Event[j]], 18)
		if k, ok := atom[j]; ok {
			line += "  " + i18n.T("← match event %d of %d", k, len(u.Events))
		}
		lines = append(lines, line)
	}
	return lines
}
