package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/store"
)

// TimelineEvent is one event of a user's timeline.
type TimelineEvent struct {
	Time       string          `json:"time"` // RFC 3339 with milliseconds, display timezone
	Event      string          `json:"event"`
	ID         string          `json:"id"`         // the distinct id that sent it (the user or a linked anonymous id)
	Properties json.RawMessage `json:"properties"` // keys sorted; values as text, as analyses compare them
	Millis     int64           `json:"-"`          // the time as epoch milliseconds
}

// Timeline is the result of spoor user.
type Timeline struct {
	Asked  string          `json:"asked"` // the id given on the command line
	User   string          `json:"user"`  // the person it belongs to
	IDs    []string        `json:"ids"`   // the person's id first, then linked ids, sorted
	Events []TimelineEvent `json:"events"`
}

func (tl Timeline) Tables(l i18n.Lang) []output.Table {
	title := l.T("user %s", tl.User)
	if tl.Asked != tl.User {
		title = l.T("%s is linked to user %s", tl.Asked, tl.User)
	}
	if len(tl.IDs) > 1 {
		title = l.T("%s (ids %s)", title, strings.Join(tl.IDs, ", "))
	}
	t := output.Table{Title: l.T("%s: %d events", title, len(tl.Events)), Columns: []string{l.T("time"), l.T("event")}}
	linked := len(tl.IDs) > 1
	if linked {
		t.Columns = append(t.Columns, l.T("id"))
	}
	t.Columns = append(t.Columns, l.T("properties"))
	for _, e := range tl.Events {
		row := []string{e.Time, e.Event}
		if linked {
			row = append(row, e.ID)
		}
		t.Rows = append(t.Rows, append(row, flatProps(e.Properties)))
	}
	return []output.Table{t}
}

// flatProps shows a props object as key=value pairs in its key order.
func flatProps(raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return string(raw)
	}
	var parts []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return string(raw)
		}
		v, err := dec.Token()
		if err != nil {
			return string(raw)
		}
		parts = append(parts, fmt.Sprintf("%v=%v", k, v))
	}
	return strings.Join(parts, " ")
}

// UserTimeline finds id's person (following identity links, as analyses
// do) and returns every event of the person and of the ids linked to them,
// in time order (storage order among equal times).
//
// It reads the stored columns, not the events table: bulk imports defer
// the SQL rows, and writing ten million of them to show one user would
// take minutes. Properties come from the chunks holding the person's
// events only (store.PropsOf).
func UserTimeline(ctx context.Context, db *store.DB, id string, loc *time.Location) (Timeline, error) {
	tl := Timeline{Asked: id, Events: []TimelineEvent{}}
	rows, err := db.LoadRows(ctx)
	if err != nil {
		return tl, err
	}
	uid := -1
	for i := 1; i < len(rows.Users); i++ {
		if rows.Users[i] == id {
			uid = i
			break
		}
	}
	if uid < 0 {
		return tl, unknownUser(id, rows.Users[1:])
	}
	person := rows.Canon[uid]
	tl.User = rows.Users[person]
	var linked []string
	for i := 1; i < len(rows.Canon); i++ {
		if rows.Canon[i] == person && int32(i) != person {
			linked = append(linked, rows.Users[i])
		}
	}
	sort.Strings(linked)
	tl.IDs = append([]string{tl.User}, linked...)

	var idx []int // storage rows of the person's events, ascending
	for i, u := range rows.User {
		if rows.Canon[u] == person {
			idx = append(idx, i)
		}
	}
	kv, err := db.PropsOf(ctx, rows.Version, idx)
	if err != nil {
		return tl, err
	}
	props := make([][]byte, len(idx))
	for j, m := range kv {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if props[j] == nil {
				props[j] = []byte{'{'}
			} else {
				props[j] = append(props[j], ',')
			}
			k, _ := json.Marshal(key)
			v, _ := json.Marshal(m[key])
			props[j] = append(append(append(props[j], k...), ':'), v...)
		}
	}
	order := make([]int, len(idx)) // time order, storage order among equal times
	for j := range order {
		order[j] = j
	}
	sort.SliceStable(order, func(a, b int) bool { return rows.Time[idx[order[a]]] < rows.Time[idx[order[b]]] })
	for _, j := range order {
		i := idx[j]
		p := json.RawMessage("{}")
		if props[j] != nil {
			p = append(props[j], '}')
		}
		tl.Events = append(tl.Events, TimelineEvent{
			Time:       time.UnixMilli(rows.Time[i]).In(loc).Format("2006-01-02T15:04:05.000Z07:00"),
			Event:      rows.Names[rows.Event[i]],
			Millis:     rows.Time[i],
			ID:         rows.Users[rows.User[i]],
			Properties: p,
		})
	}
	return tl, nil
}

// unknownUser names the closest known ids.
func unknownUser(id string, known []string) error {
	if near := Closest(id, known, 3); len(near) > 0 {
		return i18n.Errorf("unknown user %q; closest known ids: %s", id, strings.Join(near, ", "))
	}
	return i18n.Errorf("unknown user %q (%d users known); list some with spoor sql \"SELECT distinct_id FROM users LIMIT 20\"", id, len(known))
}
