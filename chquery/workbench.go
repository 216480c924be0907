package chquery

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// What the workbench and the commands show of a table besides analyses:
// its size, names, property keys and values, and one user's timeline,
// each computed on the server.

// Overview is the size of the table and its event names with their
// counts, most frequent first.
type Overview struct {
	Events, Users int
	Min, Max      int64 // the first and last instants (ms)
	Names         []string
	Counts        []int
}

// Overview counts the table's events and persons.
func (e *Engine) Overview(ctx context.Context) (*Overview, error) {
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	t := e.base
	r, err := e.c.Query(ctx, "SELECT uniqExact("+t.Person+") FROM "+t.From+" WHERE "+t.Where)
	if err != nil {
		return nil, err
	}
	o := &Overview{Events: int(f.count), Min: f.min, Max: f.max, Names: f.names, Counts: f.counts}
	o.Users, _ = strconv.Atoi(r.Rows[0][0])
	return o, nil
}

// ForecastBounds are the table's first and last instants and events, and
// the span of c's range, for a forecast of a series computed here.
func (e *Engine) ForecastBounds(ctx context.Context, c query.Common) (forecast.Bounds, error) {
	f, err := e.data(ctx)
	if err != nil {
		return forecast.Bounds{}, err
	}
	s, err := c.Span(e.loc, f.min, f.max)
	return forecast.Bounds{Span: s, First: f.min, Last: f.max, Events: int(f.count)}, err
}

// PropKeys lists the property keys with the events that carry each, most
// frequent first.
func (e *Engine) PropKeys(ctx context.Context) ([]string, []int, error) {
	t := e.base
	by, err := e.eventKeys(ctx, true)
	if err != nil {
		return nil, nil, err
	}
	sum := map[string]int64{}
	for _, keys := range by {
		for k, n := range keys {
			sum[k] += n
		}
	}
	keys, n := clickhouse.SortKeys(sum)
	counts := make([]int, len(keys))
	for i, k := range keys {
		if t.Source.Schema == "posthog" {
			// The key as written in the JSON: unescape it.
			var s string
			if json.Unmarshal([]byte(`"`+k+`"`), &s) == nil {
				keys[i] = s
			}
		}
		counts[i] = int(n[i])
	}
	return keys, counts, nil
}

// Fresh is the engine on the table as it is now. A push while the
// workbench is open may add property columns, and a key given a column
// has its events there only (push's propColumns): an analysis compiled
// for the columns read at open would look for that key in the arrays and
// find none of its events. Fresh reads the columns again (one query):
// when their property columns are the same it returns e and false, else
// a new engine on the table (same zone and saved segments; its facts,
// names and counts read anew) and true.
func (e *Engine) Fresh(ctx context.Context) (*Engine, bool, error) {
	t, err := clickhouse.Describe(ctx, e.c)
	if err != nil {
		return e, false, err
	}
	if t.SamePropColumns(e.base) {
		return e, false, nil
	}
	return New(e.c, t, e.loc).WithRules(e.rules), true, nil
}

// maxPicked bounds the values a picker lists.
const maxPicked = 1000

// Values lists a property's most frequent values (at most 1000) with the
// events that carry each.
func (e *Engine) Values(ctx context.Context, key string) ([]string, []int, error) {
	t := e.base
	v, has := t.Prop(key)
	var values []string
	var counts []int
	_, _, err := e.c.Each(ctx, "SELECT "+v+" AS v, count() AS n FROM "+t.From+" WHERE "+t.Where+" AND "+has+" GROUP BY v ORDER BY n DESC, v LIMIT "+strconv.Itoa(maxPicked), func(row []string) error {
		n, _ := strconv.Atoi(row[1])
		values, counts = append(values, row[0]), append(counts, n)
		return nil
	})
	return values, counts, err
}

// JourneyOrder orders events by the mean rank, among them, of each
// person's first event of that name, as the workbench's first funnel on a
// local database is ordered: it reads like a journey (visit, view, cart,
// buy).
func (e *Engine) JourneyOrder(ctx context.Context, events []string) ([]string, error) {
	if len(events) < 2 {
		return events, nil
	}
	t := e.base
	firsts := "SELECT " + t.Person + " AS p, " + t.Event + " AS ev, min(" + t.Time + ") AS first FROM " + t.From + " WHERE " + t.Where +
		" AND " + t.Event + " IN (" + clickhouse.Strings(events) + ") GROUP BY p, ev"
	r, err := e.c.Query(ctx, "SELECT x.2 AS ev, avg(rank) AS r FROM (SELECT p, arraySort(groupArray((first, ev))) AS fs FROM ("+firsts+") GROUP BY p)"+
		" ARRAY JOIN fs AS x, arrayEnumerate(fs) AS rank GROUP BY ev ORDER BY r, ev")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		out[i] = row[0]
	}
	return out, nil
}

// PickCounts counts, for each of names, what the workbench reads to
// choose its first queries (as it reads a local database's events): the
// persons who did it, those who followed it with an event of another
// name no more than gap ms after one of its own (in time and storage
// order), and those who did it on two or more UTC days. Each shard
// answers cells.
func (e *Engine) PickCounts(ctx context.Context, names []string, gap int64) (users, followed, repeaters []int, err error) {
	users, followed, repeaters = make([]int, len(names)), make([]int, len(names)), make([]int, len(names))
	if len(names) == 0 {
		return users, followed, repeaters, nil
	}
	t := e.t
	codes := make([]string, len(names))
	for i := range names {
		codes[i] = strconv.Itoa(i + 1)
	}
	// Other events are code 0: all that matters of them is that they
	// differ from each candidate.
	code := "transform(" + t.Event + ", [" + clickhouse.Strings(names) + "], CAST([" + strings.Join(codes, ", ") + "] AS Array(UInt8)), toUInt8(0))"
	var st stages
	st.let("E", "arrayMap(x -> x.3, ev)")
	st.let("T", "arrayMap(x -> x.1, ev)")
	st.next()
	st.let("did", "arrayFilter(c -> c > 0, arrayDistinct(E))")
	// An event is followed when the next one of another name comes within
	// the gap of the last repeat before it: the last of a run is followed
	// when the very next event is.
	st.let("F", "arrayDistinct(arrayMap((a, b, ta, tb) -> if(a != b AND tb - ta <= "+lit(gap)+", a, toUInt8(0)), arrayPopBack(E), arrayPopFront(E), arrayPopBack(T), arrayPopFront(T)))")
	// The distinct (code, day) pairs, sorted: a code twice is a repeat.
	st.let("PC", "arrayMap(x -> x.1, arraySort(arrayDistinct(arrayMap((c, s) -> (c, intDiv(s, 86400000)), E, T))))")
	st.next()
	st.let("R", "arrayFilter((a, b) -> a = b AND a > 0, arrayPopBack(PC), arrayPopFront(PC))")
	sql := func(from string) string {
		inner := "SELECT " + t.Person + " AS person, arraySort(x -> (x.1, x.2), groupArray((toInt64(" + t.Time + "), " + tiebreakOf(t) + ", " + code + "))) AS ev" +
			" FROM " + from + " WHERE " + t.Where + " GROUP BY person"
		return "SELECT c, count(), sum(has(F, c)), sum(has(R, c)) FROM (" + st.wrap(inner) + ") ARRAY JOIN did AS c GROUP BY c"
	}
	err = e.eachPerson(ctx, sql, func(row []string) error {
		var v [4]int
		bad := len(row) != len(v)
		for i := 0; i < len(v) && !bad; i++ {
			var err error
			v[i], err = strconv.Atoi(row[i])
			bad = err != nil
		}
		if bad || v[0] < 1 || v[0] > len(names) {
			return i18n.Errorf("ClickHouse answered %q for the workbench's first picks", strings.Join(row, " "))
		}
		users[v[0]-1] += v[1]
		followed[v[0]-1] += v[2]
		repeaters[v[0]-1] += v[3]
		return nil
	})
	return users, followed, repeaters, err
}

// Timeline is spoor user on the table: the person of id (a person or a
// distinct id), their ids, and their events in time order, times in loc.
func (e *Engine) Timeline(ctx context.Context, id string, loc *time.Location) (query.Timeline, error) {
	tl := query.Timeline{Asked: id, Events: []query.TimelineEvent{}}
	c, t := e.c, e.base
	src := t.Source
	r, err := c.Query(ctx, "SELECT "+t.Person+" FROM "+t.From+" WHERE "+t.Where+" AND ("+t.DistinctID+" = "+clickhouse.String(id)+" OR "+t.Person+" = "+clickhouse.String(id)+") LIMIT 1")
	if err != nil {
		return tl, err
	}
	if len(r.Rows) == 0 {
		return tl, i18n.Errorf("unknown user %q: no event of %s has it as its user or person", id, src.Table)
	}
	tl.User = r.Rows[0][0]
	person := t.Person + " = " + clickhouse.String(tl.User)
	props := "properties"
	if t.Source.Schema == "spoor" {
		props = "arrayMap((k, v) -> (k, v), prop_keys, prop_values)"
	}
	if keys := t.PropColumnKeys(); len(keys) > 0 {
		pairs := make([]string, len(keys))
		for i, k := range keys {
			v, p := t.Prop(k)
			pairs[i] = "(" + clickhouse.String(k) + ", " + v + ", toUInt8(" + p + "))"
		}
		cols := "arrayMap(x -> (x.1, x.2), arrayFilter(x -> x.3 = 1, [" + strings.Join(pairs, ", ") + "]))"
		if t.Source.Schema == "spoor" {
			// Push's layout: the keys without a column are in the arrays.
			cols = "arrayConcat(" + props + ", " + cols + ")"
		}
		props = cols
	} else if t.Source.Schema == "columns" {
		props = "[]"
	}
	order := t.Time
	if t.Tiebreak != "" {
		order += ", " + t.Tiebreak
	}
	ids := map[string]bool{}
	_, _, err = c.Each(ctx, "SELECT "+t.Time+", "+t.Event+", "+t.DistinctID+", "+props+" FROM "+t.From+" WHERE "+t.Where+" AND "+person+" ORDER BY "+order, func(row []string) error {
		ms, _ := strconv.ParseInt(row[0], 10, 64)
		ev := query.TimelineEvent{Time: time.UnixMilli(ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00"), Event: row[1], ID: row[2], Millis: ms}
		ids[row[2]] = true
		if t.Source.Schema == "posthog" {
			ev.Properties = jsonTexts(row[3])
		} else {
			obj, err := pairsJSON(row[3])
			if err != nil {
				return err
			}
			ev.Properties = obj
		}
		tl.Events = append(tl.Events, ev)
		return nil
	})
	delete(ids, tl.User)
	var linked []string
	for id := range ids {
		linked = append(linked, id)
	}
	sort.Strings(linked)
	tl.IDs = append([]string{tl.User}, linked...)
	return tl, err
}

// pairsJSON turns a result's [('k','v'),...] into a JSON object of texts,
// keys sorted as the local timeline's (push's arrays and columns are each
// sorted, not together).
func pairsJSON(s string) (json.RawMessage, error) {
	elems, err := clickhouse.ParseArray(s)
	if err != nil || len(elems)%2 != 0 {
		return nil, i18n.Errorf("unreadable properties %.60q", s)
	}
	pairs := make([][2]string, len(elems)/2)
	for i := range pairs {
		pairs[i] = [2]string{elems[2*i], elems[2*i+1]}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	b := []byte{'{'}
	for i, kv := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(kv[0])
		v, _ := json.Marshal(kv[1])
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// jsonTexts turns a JSON object of properties into the timeline's form:
// keys sorted, each value the text analyses compare (strings unquoted,
// anything else as written). Text that is not an object is kept as it is.
func jsonTexts(raw string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		return json.RawMessage(strconv.Quote(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		text := string(m[k])
		var s string
		if json.Unmarshal(m[k], &s) == nil {
			text = s
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(text)
		b = append(append(append(b, kb...), ':'), vb...)
	}
	return append(b, '}')
}
