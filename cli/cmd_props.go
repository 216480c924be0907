package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

func init() {
	register("props", "property keys with their most common values, of all events or of one", runProps)
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

func (l PropList) Tables() []output.Table {
	t := output.Table{Columns: []string{"property", "events", "share", "distinct", "top values"}}
	for _, p := range l.Properties {
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
// events carrying them, then by name. It reads the stored columns one key
// at a time, so memory stays at one column whatever the number of keys.
func ListProps(ctx context.Context, db *store.DB, event string, top int) (PropList, error) {
	out := PropList{Event: event, Properties: []PropStat{}}
	rows, err := db.LoadRows(ctx)
	if err != nil {
		return out, err
	}
	want := int32(-1)
	if event != "" {
		for id, name := range rows.Names {
			if id > 0 && name == event {
				want = int32(id)
			}
		}
		if want < 0 {
			near := query.Closest(event, rows.Names[1:], 3)
			if len(near) == 0 {
				return out, fmt.Errorf("unknown event %q; run spoor events to list the known names", event)
			}
			return out, fmt.Errorf("unknown event %q; closest known: %s", event, strings.Join(near, ", "))
		}
	}
	for _, e := range rows.Event {
		if want < 0 || e == want {
			out.Events++
		}
	}
	keys, _, err := db.PropKeys(ctx)
	if err != nil {
		return out, err
	}
	sort.Strings(keys)
	for _, key := range keys {
		col, err := db.LoadProp(ctx, key, rows.Version)
		if err != nil {
			return out, fmt.Errorf("property %q: %w", key, err)
		}
		counts := make([]int, len(col.Values)+1)
		for i, c := range col.Codes {
			if c != 0 && (want < 0 || rows.Event[i] == want) {
				counts[c]++
			}
		}
		st := PropStat{Key: key}
		var vals []ValueCount
		for c := 1; c < len(counts); c++ {
			if counts[c] > 0 {
				st.Events += counts[c]
				vals = append(vals, ValueCount{col.Values[c-1], counts[c]})
			}
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

func runProps(env *Env, args []string) error {
	fs := newFlags(env, "props", "[EVENT] [--top N] [--db PATH] [--format F]")
	dbPath, format := dbFlag(fs), formatFlag(fs)
	top := fs.Int("top", 5, "most common values to show per property (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("props takes at most one event name (got %d arguments); quote names with spaces", fs.NArg())
	}
	if *top < 0 {
		return usagef("--top must be 0 (all) or more")
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
