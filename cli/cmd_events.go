package cli

import (
	"sort"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

func init() {
	register("events", i18n.N("event names with counts, users, first and last seen"), runEvents)
}

// EventStat is one row of spoor events.
type EventStat struct {
	Name      string `json:"name"`
	Events    int    `json:"events"`
	Users     int    `json:"users"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
}

// EventList is the result of spoor events.
type EventList struct {
	Events []EventStat `json:"events"`
}

func (ls EventList) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("event"), l.T("events (count)"), l.T("users"), l.T("first seen"), l.T("last seen")}}
	for _, e := range ls.Events {
		t.Rows = append(t.Rows, []string{e.Name, strconv.Itoa(e.Events), strconv.Itoa(e.Users), e.FirstSeen, e.LastSeen})
	}
	return []output.Table{t}
}

// ListEvents counts every event name's events and distinct persons (ids
// stitched, as every analysis counts them), most frequent first, ties by
// name. It reads the loaded columns rather than SQL: one pass over the
// dataset is much faster than grouping the events table, and needs no SQL
// rows.
func ListEvents(d *query.Dataset, loc *time.Location) EventList {
	events := make([]int, len(d.Names))
	users := make([]int, len(d.Names))
	lastPerson := make([]int32, len(d.Names))
	first := make([]int64, len(d.Names))
	last := make([]int64, len(d.Names))
	for i := range lastPerson {
		lastPerson[i] = -1
	}
	for p := 0; p+1 < len(d.Start); p++ {
		for i := d.Start[p]; i < d.Start[p+1]; i++ {
			e := d.Event[i]
			t := d.Time[i]
			if events[e] == 0 || t < first[e] {
				first[e] = t
			}
			if events[e] == 0 || t > last[e] {
				last[e] = t
			}
			events[e]++
			if lastPerson[e] != int32(p) {
				lastPerson[e] = int32(p)
				users[e]++
			}
		}
	}
	var out EventList
	out.Events = []EventStat{}
	for e, name := range d.Names {
		if events[e] == 0 {
			continue
		}
		out.Events = append(out.Events, EventStat{Name: name, Events: events[e], Users: users[e],
			FirstSeen: formatSeen(first[e], loc), LastSeen: formatSeen(last[e], loc)})
	}
	sort.Slice(out.Events, func(i, j int) bool {
		a, b := out.Events[i], out.Events[j]
		if a.Events != b.Events {
			return a.Events > b.Events
		}
		return a.Name < b.Name
	})
	return out
}

func formatSeen(ms int64, loc *time.Location) string {
	return time.UnixMilli(ms).In(loc).Format(time.RFC3339)
}

func runEvents(env *Env, args []string) error {
	fs := newFlags(env, "events", "[--db PATH] [--format F] [--tz ZONE]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	tz := fs.String("tz", "", i18n.T("display timezone for first / last seen (IANA name), default the database's"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("events takes no arguments (got %q); to see one event's properties run spoor props %s", fs.Arg(0), fs.Arg(0))
	}
	if src, err := chSource(*dbPath); err != nil || src != nil {
		if err != nil {
			return err
		}
		loc, err := exploreLoc(time.UTC, *tz)
		if err != nil {
			return err
		}
		list, err := chEvents(env, src, loc)
		if err != nil {
			return err
		}
		return emit(env, *format, list)
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	loc, err := exploreLoc(d.Loc, *tz)
	if err != nil {
		return err
	}
	return emit(env, *format, ListEvents(d, loc))
}

// exploreLoc is the display timezone: --tz when given, else the
// database's.
func exploreLoc(dbLoc *time.Location, tz string) (*time.Location, error) {
	if tz == "" {
		if dbLoc == nil {
			return time.UTC, nil
		}
		return dbLoc, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usagef("unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)", tz)
	}
	return loc, nil
}
