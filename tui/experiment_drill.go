package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// open lists variant sel's users in the background. experiment.Members
// repeats the result's scan on the same data and query, so the list holds
// exactly the users its counts cover.
func (r *experimentResult) open(sh *shared, sel int) tea.Cmd {
	if sel < 0 || sel >= len(r.r.Variants) {
		return nil
	}
	v, q, d := r.r.Variants[sel], r.q, r.d
	timeline := func(user string) tea.Cmd { return timelineCmd(sh.db, user) }
	if r.remote != nil {
		rem := sh.remote
		timeline = func(user string) tea.Cmd { return remoteTimelineCmd(rem, user) }
	}
	return func() tea.Msg {
		var ms []experiment.Member
		var err error
		loc := time.UTC // a ClickHouse table's display zone
		if r.remote != nil {
			ms, err = r.remote.ExperimentMembers(context.Background(), q, v.Name)
		} else {
			ms, err = experiment.Members(context.Background(), d, q, v.Name)
			loc = d.Loc
		}
		if err != nil {
			return statusMsg{text: i18n.T("users of %s: %v", v.Name, err), err: true}
		}
		if q.TZ != "" {
			// Run has accepted the zone already.
			if l, err := time.LoadLocation(q.TZ); err == nil {
				loc = l
			}
		}
		return pageMsg{p: newVariantUsersPage(timeline, v, ms, loc)}
	}
}

// variantUsers is one variant's users as the page's table (exported as
// is) and its JSON: converted yes/no, exposure and conversion times.
type variantUsers struct {
	variant string
	members []experiment.Member
	loc     *time.Location
}

const stampLayout = "2006-01-02 15:04:05"

func (u *variantUsers) stamp(ms int64) string {
	return time.UnixMilli(ms).In(u.loc).Format(stampLayout)
}

// table is in English whatever the interface language: it is what CSV,
// JSON and the clipboard get (the page shows it translated).
func (u *variantUsers) table() output.Table {
	t := output.Table{Title: "Variant " + u.variant, Columns: []string{"user", "converted", "exposed", "converted at"}}
	for _, m := range u.members {
		conv, at := "no", ""
		switch {
		case m.Converted:
			conv, at = "yes", u.stamp(m.At)
		case m.InProgress:
			at = "window open" // may still convert: the window ends after the data
		}
		t.Rows = append(t.Rows, []string{m.User, conv, u.stamp(m.Exposed), at})
	}
	return t
}

// json is what JSON export writes: one object per user, times in RFC 3339.
func (u *variantUsers) json() any {
	type row struct {
		User      string `json:"user"`
		Converted bool   `json:"converted"`
		Exposed   string `json:"exposed_at"`
		At        string `json:"converted_at,omitempty"`
		Open      bool   `json:"window_open"`
	}
	out := make([]row, len(u.members))
	for i, m := range u.members {
		out[i] = row{User: m.User, Converted: m.Converted, Open: m.InProgress, Exposed: time.UnixMilli(m.Exposed).In(u.loc).Format(time.RFC3339)}
		if m.Converted {
			out[i].At = time.UnixMilli(m.At).In(u.loc).Format(time.RFC3339)
		}
	}
	return out
}

// newVariantUsersPage lists a variant's users: Enter shows a user's
// timeline; e and y export and copy the list with its columns.
func newVariantUsersPage(timeline func(user string) tea.Cmd, v experiment.Variant, ms []experiment.Member, loc *time.Location) *listPage {
	u := &variantUsers{variant: v.Name, members: ms, loc: loc}
	t := u.table()
	userW := 8
	for _, r := range t.Rows {
		userW = min(max(userW, output.Width(r[0])), 24)
	}
	line := func(r []string) string {
		at := r[3]
		if at == "window open" {
			at = i18n.T("window open")
		}
		return padRight(truncate(r[0], userW), userW) + "  " + padRight(valueLabel(r[1]), 9) + "  " + padRight(r[2], len(stampLayout)) + "  " + at
	}
	lines, keys := make([]string, len(t.Rows)), make([]string, len(t.Rows))
	for i, r := range t.Rows {
		lines[i], keys[i] = line(r), r[0]
	}
	title := i18n.T("Variant %s — %d users, %d converted", v.Name, v.Users, v.Conversions)
	if v.InProgress > 0 {
		title = i18n.T("Variant %s — %d users, %d converted, %d with the window still open", v.Name, v.Users, v.Conversions, v.InProgress)
	}
	head := line([]string{i18n.T("user"), i18n.T("converted"), i18n.T("exposed"), i18n.T("converted at")})
	p := newListPage(title, head, lines, keys, timeline)
	name := i18n.T("Variant %s", v.Name)
	p.users = &userList{name: name, file: listFile("experiment", name), table: t, json: u.json()}
	return p
}
