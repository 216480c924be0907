package tui

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// usersPage lists the users behind a chart item on the tab of that kind;
// Enter shows one user's timeline, e and y export and copy the list.
func usersPage(sh *shared, kind, title string, users []string) *listPage {
	p := newListPage(fmt.Sprintf("%s — %s users", title, thousands(len(users))), "", users, users,
		func(u string) tea.Cmd { return timelineCmd(sh.db, u) })
	p.users = newUserList(kind, title, users)
	return p
}

// explainer is a result that can say why one user counted as they did:
// their timeline with the events that matched, the window, where they
// stopped (the funnel's explanation, SPEC 4.2).
type explainer interface {
	explain(ctx context.Context, d *query.Dataset, user string) (string, error)
}

func explainCmd(e explainer, d *query.Dataset, user string) tea.Cmd {
	return func() tea.Msg {
		text, err := e.explain(context.Background(), d, user)
		if err != nil {
			return statusMsg{text: "explain " + user + ": " + err.Error(), err: true}
		}
		return pageMsg{p: &textPage{title: "Why " + user + " counts as they do", lines: strings.Split(strings.TrimRight(text, "\n"), "\n")}}
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
			return statusMsg{text: "timeline of " + user + ": " + err.Error(), err: true}
		}
		return pageMsg{p: &textPage{title: "Timeline of " + user, lines: lines}}
	}
}

func timeline(ctx context.Context, db *store.DB, user string) ([]string, error) {
	// Bulk imports may defer the SQL rows this reads; write them first.
	if err := db.EnsureRows(ctx); err != nil {
		return nil, err
	}
	loc, err := db.Timezone(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.SQL.QueryContext(ctx, `
		WITH me AS (SELECT id FROM users WHERE distinct_id = ?),
		ids AS (SELECT id FROM me UNION SELECT anon_id FROM identities WHERE user_id IN (SELECT id FROM me))
		SELECT e.time, n.name, e.props FROM events e JOIN event_names n ON n.id = e.event_id
		WHERE e.user_id IN (SELECT id FROM ids) ORDER BY e.time, e.id LIMIT ?`, user, timelineLimit+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var t int64
		var name string
		var props sql.NullString
		if err := rows.Scan(&t, &name, &props); err != nil {
			return nil, err
		}
		if len(lines) == timelineLimit {
			lines = append(lines, fmt.Sprintf("… stopped at %d events; spoor user %s prints them all", timelineLimit, user))
			break
		}
		line := time.UnixMilli(t).In(loc).Format("2006-01-02 15:04:05") + "  " + padRight(name, 18)
		if props.Valid && props.String != "{}" {
			line += "  " + props.String
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no events for this user")
	}
	return lines, nil
}
