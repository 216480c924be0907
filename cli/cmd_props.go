package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("props", i18n.N("property keys with their most common values, of all events or of one"), runProps)
}

// ValueCount is one property value and the events carrying it.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// PropStat describes one property key.
type PropStat struct {
	Key      string       `json:"key"`
	Events   int          `json:"events"`   // events carrying the key
	Share    float64      `json:"share"`    // of the events considered
	Distinct int          `json:"distinct"` // distinct values
	Top      []ValueCount `json:"top"`      // most common first, ties by value
}

// PropList is the result of spoor props.
type PropList struct {
	Event      string     `json:"event,omitempty"` // "" for every event
	Events     int        `json:"events"`          // events considered
	Properties []PropStat `json:"properties"`
}

func (ls PropList) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("property"), l.T("events (count)"), l.T("share"), l.T("distinct"), l.T("top values")}}
	for _, p := range ls.Properties {
		top := make([]string, len(p.Top))
		for i, v := range p.Top {
			top[i] = fmt.Sprintf("%s (%d)", v.Value, v.Count)
		}
		t.Rows = append(t.Rows, []string{p.Key, strconv.Itoa(p.Events), fmt.Sprintf("%.1f%%", 100*p.Share),
			strconv.Itoa(p.Distinct), strings.Join(top, ", ")})
	}
	return []output.Table{t}
}

// ListProps counts, for every property key (of the events named event, or
// of all events when event is ""), the events carrying it and its values,
// keeping the top most common (all when top is 0). Keys are ordered by
// events carrying them, then by name. The store streams the column chunks,
// so memory stays at one chunk whatever the number of events and keys.
func ListProps(ctx context.Context, db *store.DB, event string, top int) (PropList, error) {
	out := PropList{Event: event, Properties: []PropStat{}}
	events, counts, ok, err := db.CountProps(ctx, event)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, unknownEvent(ctx, db, event)
	}
	out.Events = events
	for _, kc := range counts {
		st := PropStat{Key: kc.Key}
		vals := make([]ValueCount, len(kc.Values))
		for i, v := range kc.Values {
			vals[i] = ValueCount{v, kc.Counts[i]}
			st.Events += kc.Counts[i]
		}
		if st.Events == 0 {
			continue
		}
		sort.Slice(vals, func(i, j int) bool {
			if vals[i].Count != vals[j].Count {
				return vals[i].Count > vals[j].Count
			}
			return vals[i].Value < vals[j].Value
		})
		st.Distinct = len(vals)
		st.Share = float64(st.Events) / float64(out.Events)
		if top > 0 && len(vals) > top {
			vals = vals[:top]
		}
		st.Top = vals
		out.Properties = append(out.Properties, st)
	}
	sort.SliceStable(out.Properties, func(i, j int) bool {
		a, b := out.Properties[i], out.Properties[j]
		if a.Events != b.Events {
			return a.Events > b.Events
		}
		return a.Key < b.Key
	})
	return out, nil
}

// unknownEvent names the closest stored event names.
func unknownEvent(ctx context.Context, db *store.DB, event string) error {
	rows, err := db.SQL.QueryContext(ctx, "SELECT name FROM event_names ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
	}
	near := query.Closest(event, names, 3)
	if len(near) == 0 {
		return i18n.Errorf("unknown event %q; run spoor events to list the known names", event)
	}
	return i18n.Errorf("unknown event %q; closest known: %s", event, strings.Join(near, ", "))
}

func runProps(env *Env, args []string) error {
	fs := newFlags(env, "props", "[EVENT] [--top N] [--db PATH] [--format F]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	top := fs.Int("top", 5, i18n.T("most common values to show per property (0: all)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("props takes at most one event name (got %d arguments); quote names with spaces", fs.NArg())
	}
	if *top < 0 {
		return usagef("--top must be 0 (all) or more")
	}
	if src, err := chSource(*dbPath); err != nil || src != nil {
		if err != nil {
			return err
		}
		res, err := chProps(env, src, fs.Arg(0), *top)
		if err != nil {
			return err
		}
		return emit(env, *format, res)
	}
	db, err := openDB(*dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := ListProps(env.Ctx, db, fs.Arg(0), *top)
	if err != nil {
		return err
	}
	return emit(env, *format, res)
}
