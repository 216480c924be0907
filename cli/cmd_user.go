package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("user", "one user's full timeline, including their linked anonymous ids", runUser)
}

// TimelineEvent is one event of a user's timeline.
type TimelineEvent struct {
	Time       string          `json:"time"` // RFC 3339 with milliseconds, display timezone
	Event      string          `json:"event"`
	ID         string          `json:"id"`         // the distinct id that sent it (the user or a linked anonymous id)
	Properties json.RawMessage `json:"properties"` // as stored: keys sorted
}

// Timeline is the result of spoor user.
type Timeline struct {
	Asked  string          `json:"asked"` // the id given on the command line
	User   string          `json:"user"`  // the person it belongs to
	IDs    []string        `json:"ids"`   // the person's id first, then linked ids, sorted
	Events []TimelineEvent `json:"events"`
}

func (tl Timeline) Tables() []output.Table {
	title := "user " + tl.User
	if tl.Asked != tl.User {
		title = tl.Asked + " is linked to user " + tl.User
	}
	if len(tl.IDs) > 1 {
		title += " (ids " + strings.Join(tl.IDs, ", ") + ")"
	}
	t := output.Table{Title: fmt.Sprintf("%s: %d events", title, len(tl.Events)), Columns: []string{"time", "event"}}
	linked := len(tl.IDs) > 1
	if linked {
		t.Columns = append(t.Columns, "id")
	}
	t.Columns = append(t.Columns, "properties")
	for _, e := range tl.Events {
		row := []string{e.Time, e.Event}
		if linked {
			row = append(row, e.ID)
		}
		t.Rows = append(t.Rows, append(row, flatProps(e.Properties)))
	}
	return []output.Table{t}
}

// flatProps shows a stored props object as key=value pairs in its stored
// (sorted) key order.
func flatProps(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return string(raw)
	}
	var parts []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return string(raw)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return string(raw)
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v) // a number, bool, null, array or object: as written
		}
		parts = append(parts, fmt.Sprintf("%v=%s", k, s))
	}
	return strings.Join(parts, " ")
}

// UserTimeline finds id's person (following identity links) and returns
// every event of the person and of the anonymous ids linked to them, in
// time order (storage order among equal times).
func UserTimeline(ctx context.Context, db *store.DB, id string, loc *time.Location) (Timeline, error) {
	tl := Timeline{Asked: id, Events: []TimelineEvent{}}
	var uid int64
	err := db.SQL.QueryRowContext(ctx, "SELECT id FROM users WHERE distinct_id = ?", id).Scan(&uid)
	if err == sql.ErrNoRows {
		return tl, unknownUser(ctx, db, id)
	}
	if err != nil {
		return tl, err
	}
	link := map[int64]int64{}
	rows, err := db.SQL.QueryContext(ctx, "SELECT anon_id, user_id FROM identities ORDER BY anon_id")
	if err != nil {
		return tl, err
	}
	for rows.Next() {
		var a, u int64
		if err := rows.Scan(&a, &u); err != nil {
			rows.Close()
			return tl, err
		}
		link[a] = u
	}
	rows.Close()
	// Follow chains (anon -> device -> user) as the dataset loader does,
	// at most 32 links so a cycle cannot hang us.
	canon := func(x int64) int64 {
		for steps := 0; steps < 32; steps++ {
			next, ok := link[x]
			if !ok {
				break
			}
			x = next
		}
		return x
	}
	person := canon(uid)
	members := []int64{person}
	for a := range link {
		if a != person && canon(a) == person {
			members = append(members, a)
		}
	}
	sort.Slice(members[1:], func(i, j int) bool { return members[1+i] < members[1+j] })
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(members)), ",")
	names := map[int64]string{}
	idRows, err := db.SQL.QueryContext(ctx, "SELECT id, distinct_id FROM users WHERE id IN ("+in+")", args...)
	if err != nil {
		return tl, err
	}
	for idRows.Next() {
		var i int64
		var s string
		if err := idRows.Scan(&i, &s); err != nil {
			idRows.Close()
			return tl, err
		}
		names[i] = s
	}
	idRows.Close()
	tl.User = names[person]
	tl.IDs = []string{tl.User}
	var anon []string
	for _, m := range members[1:] {
		anon = append(anon, names[m])
	}
	sort.Strings(anon)
	tl.IDs = append(tl.IDs, anon...)

	evRows, err := db.SQL.QueryContext(ctx, `SELECT e.time, n.name, e.user_id, coalesce(e.props, '{}')
		FROM events e JOIN event_names n ON n.id = e.event_id
		WHERE e.user_id IN (`+in+`) ORDER BY e.time, e.id`, args...)
	if err != nil {
		return tl, err
	}
	defer evRows.Close()
	for evRows.Next() {
		var ms, u int64
		var name, props string
		if err := evRows.Scan(&ms, &name, &u, &props); err != nil {
			return tl, err
		}
		tl.Events = append(tl.Events, TimelineEvent{
			Time:       time.UnixMilli(ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00"),
			Event:      name,
			ID:         names[u],
			Properties: json.RawMessage(props),
		})
	}
	return tl, evRows.Err()
}

// unknownUser names the closest known ids.
func unknownUser(ctx context.Context, db *store.DB, id string) error {
	rows, err := db.SQL.QueryContext(ctx, "SELECT distinct_id FROM users ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	var known []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		known = append(known, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if near := query.Closest(id, known, 3); len(near) > 0 {
		return fmt.Errorf("unknown user %q; closest known ids: %s", id, strings.Join(near, ", "))
	}
	return fmt.Errorf("unknown user %q (%d users known); list some with spoor sql \"SELECT distinct_id FROM users LIMIT 20\"", id, len(known))
}

func runUser(env *Env, args []string) error {
	fs := newFlags(env, "user", "ID [--db PATH] [--format F] [--tz ZONE]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	tz := fs.String("tz", "", "display timezone (IANA name), default the database's")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("user takes one user id; see spoor user -h")
	}
	db, err := openForSQL(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	dbLoc, err := db.Timezone(env.Ctx)
	if err != nil {
		return err
	}
	loc, err := exploreLoc(dbLoc, *tz)
	if err != nil {
		return err
	}
	tl, err := UserTimeline(env.Ctx, db, fs.Arg(0), loc)
	if err != nil {
		return err
	}
	return emit(env, *format, tl)
}
