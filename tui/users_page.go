package tui

import (
	"context"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// usersPage lists the users behind a chart item on the tab of that kind;
// Enter shows one user's timeline, e and y export and copy the list.
func usersPage(sh *shared, kind, title string, users []string) *listPage {
	p := newListPage(i18n.T("%s — %d users", title, len(users)), "", users, users,
		func(u string) tea.Cmd {
			if sh.remote != nil {
				return remoteTimelineCmd(sh.remote, u)
			}
			return timelineCmd(sh.db, u)
		})
	p.users = newUserList(kind, title, users)
	return p
}

// explainCmd shows why user counts as they do in res (the funnel's
// explanation: their timeline with the events that matched, the window,
// where they stopped), or their plain timeline when res explains nothing.
func explainCmd(res result, d *query.Dataset, db *store.DB, user string) tea.Cmd {
	return func() tea.Msg {
		text, err := res.explain(context.Background(), d, user)
		if err != nil {
			return statusMsg{text: i18n.T("explain %s: %v", user, err), err: true}
		}
		if text == "" {
			return timelineCmd(db, user)()
		}
		return pageMsg{p: &textPage{title: i18n.T("Why %s counts as they do", user), lines: strings.Split(strings.TrimRight(text, "\n"), "\n")}}
	}
}

// timelineLimit keeps a timeline page responsive; the page says when it
// stopped, and spoor user ID prints everything.
const timelineLimit = 5000

// timelineCmd reads one user's events, with those of the anonymous ids
// linked to them, in time order.
func timelineCmd(db *store.DB, user string) tea.Cmd {
	return func() tea.Msg {
		lines, err := timeline(context.Background(), db, user)
		if err != nil {
			return statusMsg{text: i18n.T("timeline of %s: %v", user, err), err: true}
		}
		return pageMsg{p: &textPage{title: i18n.T("Timeline of %s", user), lines: lines}}
	}
}

func timeline(ctx context.Context, db *store.DB, user string) ([]string, error) {
	loc, err := db.Timezone(ctx)
	if err != nil {
		return nil, err
	}
	// From the stored columns, as spoor user does: the SQL rows a bulk
	// import deferred would take minutes to write at 10M events.
	tl, err := query.UserTimeline(ctx, db, user, loc)
	if err != nil {
		return nil, err
	}
	if len(tl.Events) == 0 {
		return nil, i18n.Errorf("no events for this user")
	}
	return timelineLines(tl, loc, user), nil
}

// timelineLines are a timeline's events, a line each, times in loc.
func timelineLines(tl query.Timeline, loc *time.Location, user string) []string {
	var lines []string
	for _, e := range tl.Events {
		if len(lines) == timelineLimit {
			lines = append(lines, i18n.T("… stopped at %d events; spoor user %s prints them all", timelineLimit, user))
			break
		}
		line := time.UnixMilli(e.Millis).In(loc).Format("2006-01-02 15:04:05") + "  " + padRight(e.Event, 18)
		if len(e.Properties) > 0 && string(e.Properties) != "{}" {
			line += "  " + string(e.Properties)
		}
		lines = append(lines, line)
	}
	return lines
}
