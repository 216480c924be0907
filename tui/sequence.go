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

func (e *explore) sequenceRunner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	conds := splitConditions(e.Conditions)
	if len(conds) == 0 || strings.TrimSpace(e.Pattern) == "" {
		return nil, i18n.Errorf("no pattern yet: set the conditions and the pattern rows, e.g. view_item,purchase and (?1).*(?2)")
	}
	q := sequence.Query{Common: e.c, Conditions: conds, Pattern: e.Pattern}
	if rem := sh.remote; rem != nil {
		return func(ctx context.Context, d *query.Dataset) (result, error) {
			r, err := rem.eng.Match(ctx, q)
			if err != nil {
				return nil, err
			}
			return sequenceResult(r, func(u sequence.UserResult) tea.Cmd { return remoteSequenceTimeline(rem, r.Pattern, u) }), nil
		}, nil
	}
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		r, err := sequence.Run(ctx, d, q)
		if err != nil {
			return nil, err
		}
		return sequenceResult(r, func(u sequence.UserResult) tea.Cmd {
			return func() tea.Msg {
				return pageMsg{p: &textPage{title: i18n.T("Timeline of %s — first match of %s marked", u.User, r.Pattern), lines: sequenceTimeline(d, u)}}
			}
		}), nil
	}, nil
}

// sequenceResult lists the matched users, most matches first; Enter
// shows one's timeline.
func sequenceResult(r *sequence.Result, timeline func(sequence.UserResult) tea.Cmd) result {
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
	lr.onEnter = func(sh *shared, sel int) tea.Cmd { return timeline(users[sel]) }
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
		lines = append(lines, sequenceLine(d.Time[j], d.Loc, d.Names[d.Event[j]], atom[j], len(u.Events)))
	}
	return lines
}

// remoteSequenceTimeline reads the user's events from the server and
// marks the first match's: each mark on the first event, in stored
// order, at its time with its name (of two events alike in both, the
// first is marked).
func remoteSequenceTimeline(r *remote, pattern string, u sequence.UserResult) tea.Cmd {
	return func() tea.Msg {
		tl, err := r.eng.Timeline(context.Background(), u.User, time.UTC)
		if err != nil {
			return statusMsg{text: i18n.T("timeline of %s: %v", u.User, err), err: true}
		}
		var lines []string
		k := 0
		for _, ev := range tl.Events {
			if len(lines) == timelineLimit {
				lines = append(lines, i18n.T("… stopped at %d events; spoor user %s prints them all", timelineLimit, u.User))
				break
			}
			mark := 0
			if k < len(u.Marks) && ev.Millis == u.Marks[k].T && ev.Event == u.Marks[k].Event {
				k++
				mark = k
			}
			lines = append(lines, sequenceLine(ev.Millis, time.UTC, ev.Event, mark, len(u.Marks)))
		}
		return pageMsg{p: &textPage{title: i18n.T("Timeline of %s — first match of %s marked", u.User, pattern), lines: lines}}
	}
}

// sequenceLine is one event of a sequence timeline, marked as event k
// (from 1) of a match of n, or unmarked when k is 0.
func sequenceLine(ms int64, loc *time.Location, name string, k, n int) string {
	line := time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04:05") + "  " + padRight(name, 18)
	if k > 0 {
		line += "  " + i18n.T("← match event %d of %d", k, n)
	}
	return line
}
