package cli

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"

	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/store"
)

// chSource parses the data source --db (else $SPOOR_DB) names when it is a
// ClickHouse URL; nil when it names a database file. A malformed URL is a
// usage error, and its message never repeats the password.
func chSource(flagValue string) (*clickhouse.Source, error) {
	v := store.ResolvePath(flagValue)
	if !clickhouse.IsURL(v) {
		return nil, nil
	}
	src, err := clickhouse.ParseURL(v, os.Getenv)
	if err != nil {
		return nil, &UsageError{err.Error()}
	}
	return src, nil
}

// openClickHouse connects to the source's table and reads its layout
// (from the cache when the table has not changed: chquery.Describe).
func openClickHouse(env *Env, src *clickhouse.Source) (*clickhouse.Client, *clickhouse.Table, error) {
	c := clickhouse.NewClient(src)
	t, err := chquery.Describe(env.Ctx, c)
	if err != nil {
		return nil, nil, err
	}
	env.mark("opened")
	return c, t, nil
}

func chInfo(env *Env, src *clickhouse.Source) (Info, error) {
	info := Info{Database: src.String(), Timezone: "UTC"}
	c, t, err := openClickHouse(env, src)
	if err != nil {
		return info, err
	}
	events, users, names, first, last, err := chquery.New(c, t, time.UTC).Summary(env.Ctx)
	if err != nil {
		return info, err
	}
	info.Events, info.Users, info.EventNames = events, users, names
	if info.Events > 0 {
		info.FirstSeen = formatSeen(first, time.UTC)
		info.LastSeen = formatSeen(last, time.UTC)
	}
	return info, nil
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// chEvents is spoor events on a ClickHouse table: the same counts, made on
// the server.
func chEvents(env *Env, src *clickhouse.Source, loc *time.Location) (EventList, error) {
	out := EventList{Events: []EventStat{}}
	c, t, err := openClickHouse(env, src)
	if err != nil {
		return out, err
	}
	r, err := c.Query(env.Ctx, "SELECT "+t.Event+" AS name, count() AS n, uniqExact("+t.Person+"), min("+t.Time+"), max("+t.Time+") FROM "+t.From+" WHERE "+t.Where+" GROUP BY name ORDER BY n DESC, name")
	if err != nil {
		return out, err
	}
	for _, row := range r.Rows {
		n, _ := strconv.Atoi(row[1])
		u, _ := strconv.Atoi(row[2])
		out.Events = append(out.Events, EventStat{Name: row[0], Events: n, Users: u, FirstSeen: formatSeen(atoi64(row[3]), loc), LastSeen: formatSeen(atoi64(row[4]), loc)})
	}
	return out, nil
}

// chProps is spoor props on a ClickHouse table: the keys first, then each
// key's values counted on the server.
func chProps(env *Env, src *clickhouse.Source, event string, top int) (PropList, error) {
	out := PropList{Event: event, Properties: []PropStat{}}
	c, t, err := openClickHouse(env, src)
	if err != nil {
		return out, err
	}
	where := t.Where
	if event != "" {
		where += " AND " + t.Event + " = " + clickhouse.String(event)
	}
	r, err := c.Query(env.Ctx, "SELECT count() FROM "+t.From+" WHERE "+where)
	if err != nil {
		return out, err
	}
	out.Events, _ = strconv.Atoi(r.Rows[0][0])
	if out.Events == 0 && event != "" {
		return out, chUnknownEvent(env, c, t, event)
	}
	found, _, err := clickhouse.KeyCounts(env.Ctx, c, t, where)
	if err != nil {
		return out, err
	}
	var keys []string
	for _, k := range found {
		if t.Source.Schema == "posthog" {
			// The key as written in the JSON: unescape it.
			var s string
			if json.Unmarshal([]byte(`"`+k+`"`), &s) == nil {
				k = s
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	keys = dedupe(keys)
	if len(keys) == 0 {
		return out, nil
	}
	// One pass: each row's (key, value) pairs of the keys it has.
	var pairs []string
	for _, k := range keys {
		v, p := t.Prop(k)
		pairs = append(pairs, "("+clickhouse.String(k)+", "+v+", toUInt8("+p+"))")
	}
	q := "SELECT kv.1 AS k, kv.2 AS v, count() AS n FROM (SELECT arrayJoin(arrayFilter(x -> x.3 = 1, [" + strings.Join(pairs, ", ") + "])) AS kv FROM " + t.From + " WHERE " + where + ") GROUP BY k, v"
	vals := map[string][]ValueCount{}
	if _, _, err := c.Each(env.Ctx, q, func(row []string) error {
		n, _ := strconv.Atoi(row[2])
		vals[row[0]] = append(vals[row[0]], ValueCount{row[1], n})
		return nil
	}); err != nil {
		return out, err
	}
	for _, k := range keys {
		vs := vals[k]
		st := PropStat{Key: k, Distinct: len(vs)}
		for _, v := range vs {
			st.Events += v.Count
		}
		if st.Events == 0 {
			continue
		}
		sort.Slice(vs, func(i, j int) bool {
			if vs[i].Count != vs[j].Count {
				return vs[i].Count > vs[j].Count
			}
			return vs[i].Value < vs[j].Value
		})
		if top > 0 && len(vs) > top {
			vs = vs[:top]
		}
		st.Top = vs
		st.Share = float64(st.Events) / float64(out.Events)
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

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func chUnknownEvent(env *Env, c *clickhouse.Client, t *clickhouse.Table, event string) error {
	r, err := c.Query(env.Ctx, "SELECT DISTINCT "+t.Event+" FROM "+t.From+" WHERE "+t.Where)
	if err != nil {
		return err
	}
	var names []string
	for _, row := range r.Rows {
		names = append(names, row[0])
	}
	if near := query.Closest(event, names, 3); len(near) > 0 {
		return i18n.Errorf("unknown event %q; closest known: %s", event, strings.Join(near, ", "))
	}
	return i18n.Errorf("unknown event %q; run spoor events to list the known names", event)
}

// chUser is spoor user on a ClickHouse table: the person of id, their ids,
// and their events in time order.
func chUser(env *Env, src *clickhouse.Source, id string, loc *time.Location) (query.Timeline, error) {
	c, t, err := openClickHouse(env, src)
	if err != nil {
		return query.Timeline{Asked: id, Events: []query.TimelineEvent{}}, err
	}
	return chquery.New(c, t, loc).Timeline(env.Ctx, id, loc)
}

// chSQL runs spoor sql on the ClickHouse server with readonly=1, so the
// server itself refuses anything that writes or changes a setting.
func chSQL(env *Env, src *clickhouse.Source, q string, w *sqlWriter) error {
	var types []string
	return clickhouse.NewClient(src).ReadOnly(env.Ctx, q, w.maxRows, func(names, ts []string) error {
		types = ts
		return w.columns(names)
	}, func(row []string) error {
		vals := make([]any, len(row))
		for i, cell := range row {
			vals[i] = sqlValue(cell, types[i])
		}
		return w.row(vals)
	})
}

// sqlValue is a result cell as spoor sql's local rows have it: numbers as
// numbers (for JSON), NULL as nil, the rest text.
func sqlValue(cell, typ string) any {
	nullable := strings.HasPrefix(typ, "Nullable(")
	if nullable && cell == `\N` {
		return nil
	}
	typ = strings.TrimSuffix(strings.TrimPrefix(typ, "Nullable("), ")")
	switch {
	case strings.HasPrefix(typ, "Int") || strings.HasPrefix(typ, "UInt"):
		if n, err := strconv.ParseInt(cell, 10, 64); err == nil {
			return n
		}
	case strings.HasPrefix(typ, "Float"):
		if f, err := strconv.ParseFloat(cell, 64); err == nil {
			return f
		}
	}
	return cell
}
