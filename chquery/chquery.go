// Package chquery runs spoor's analyses on a ClickHouse table: each query
// value of package query (the same ones the local engine runs) is compiled
// to SQL that does the per-person work on the server — on every shard of a
// cluster whose table is sharded by person — and brings back result cells,
// or at most one row per person, never the events. The rows are turned into
// the local engine's result types by package query's own assemblers, so the
// numbers, their output and the user lists behind them are the same.
//
// Only functions ClickHouse 18.16 has are used. No ClickHouse funnel
// function is: windowFunnel counts seconds on old servers, lets one event
// fill two steps and has no strict mode. Per-person array work stays linear
// in the person's events: lambdas never capture an array (18.16 copies a
// captured array once per element, which is quadratic), running maxima are
// built from arrayCumSumNonNegative.
package chquery

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

// Engine is query.Engine over one ClickHouse table.
type Engine struct {
	c *clickhouse.Client
	// t is what an analysis reads: base, or base scoped to a --segment and
	// a --by segment:NAME (scope).
	t      *clickhouse.Table
	base   *clickhouse.Table // the table as opened: its facts, property values and segments
	scoped bool
	loc    *time.Location // the display zone, for calendar buckets
	rules  segment.Rules  // saved --segment names; nil: none
	cache  *cache         // shared by the engine and its scoped copies
}

type cache struct {
	mu    sync.Mutex
	facts *facts
	// file is where the facts are cached and under which key, nil when
	// they are not (factscache.go).
	file *factsAt
	// passing is each filter's passing values (Engine.passing): a backtest
	// compiles its rule once per day.
	passing map[string][]string
	// keys is, per event name, the events carrying each property key
	// (Engine.eventKeys), nil until read.
	keys map[string]map[string]int64
	// server guards what is read of the server once, apart from mu: the
	// facts' key needs them while mu is held.
	server  sync.Mutex
	threads int                  // Engine.threads, 0 until asked
	shards  []*clickhouse.Client // Engine.shards, nil until asked
}

var _ query.Engine = (*Engine)(nil)

// New returns an engine reading table t through c; loc is the display
// timezone (nil: UTC), as a local database's is.
func New(c *clickhouse.Client, t *clickhouse.Table, loc *time.Location) *Engine {
	if loc == nil {
		loc = time.UTC
	}
	return &Engine{c: c.Tune(clickhouse.Settings{
		// Filters on many values compare with IN lists longer than the
		// default limit of 256 KiB of query text.
		"max_query_size": strconv.Itoa(64 << 20),
	}), t: t, base: t, loc: loc, cache: &cache{}}
}

// WithRules returns the engine resolving saved --segment names (a segment
// NAME, audience:NAME) with r; stage:STAGE needs none.
func (e *Engine) WithRules(r segment.Rules) *Engine {
	c := *e
	c.rules = r
	return &c
}

// facts are what the local engine knows of its data before any query:
// the first and last instants and the event names.
type facts struct {
	min, max, count int64
	names           []string
	counts          []int // events of each name
	known           map[string]bool
	// maxID is the largest id of a table of push's layout (packedOrder
	// packs it); 0 for other tables.
	maxID uint64
	// persons is how many persons the table holds, -1 until counted
	// (Engine.persons): kept in the cache beside the rest once counted.
	persons int64
	// bounds are where the persons split into parts by their events
	// (Engine.partBounds), nil until read; kept like persons.
	bounds []string
	// some is, per condition of Engine.any, whether an event meets it;
	// kept like persons.
	some map[string]bool
}

// data reads the facts once per engine: from the cache of an earlier
// process when the table's key is the one they were read under
// (factscache.go), else with a scan, kept for the next process.
func (e *Engine) data(ctx context.Context) (*facts, error) {
	c := e.client(ctx)
	e.cache.mu.Lock()
	defer e.cache.mu.Unlock()
	if e.cache.facts != nil {
		return e.cache.facts, nil
	}
	t := e.base
	id := "toUInt64(0)"
	if hasID(t) {
		id = "max(id)"
	}
	sql := "SELECT " + t.Event + " AS e, min(" + t.Time + "), max(" + t.Time + "), count(), " + id + " FROM " + t.From + " WHERE " + t.Where + " GROUP BY e ORDER BY e"
	file, fileID, cached := e.factsFile(sql)
	var key string
	switch {
	case cached && t.Key != "" && (t.ShardedByPerson || !t.Distributed) && time.Since(t.KeyRead) < keyFresh:
		key = t.Key // read by Describe just before
	case cached:
		key, cached = e.factsKey(ctx)
	}
	if cached {
		e.cache.file = &factsAt{file: file, id: fileID, key: key}
		if f := loadFacts(file, fileID, key); f != nil {
			e.cache.facts = f
			return f, nil
		}
	}
	r, err := c.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	f := &facts{known: map[string]bool{}, persons: -1}
	for i, row := range r.Rows {
		lo, err1 := strconv.ParseInt(row[1], 10, 64)
		hi, err2 := strconv.ParseInt(row[2], 10, 64)
		n, err3 := strconv.ParseInt(row[3], 10, 64)
		maxID, err4 := strconv.ParseUint(row[4], 10, 64)
		if err := firstErr(err1, err2, err3, err4); err != nil {
			return nil, i18n.Errorf("ClickHouse answered %q for the events named %q", strings.Join(row[1:], " "), row[0])
		}
		if i == 0 || lo < f.min {
			f.min = lo
		}
		if i == 0 || hi > f.max {
			f.max = hi
		}
		f.count += n
		f.maxID = max(f.maxID, maxID)
		f.names = append(f.names, row[0])
		f.counts = append(f.counts, int(n))
		f.known[row[0]] = true
	}
	e.cache.facts = f
	e.keep(ctx, f)
	return f, nil
}

// personCols is the person columns of a query grouped by person: person,
// and po, the person's place in the local engine's lists
// (clickhouse.Table.Order), 0 for every person of a table without one
// (lists are then in person order). The order is the same on all of a
// person's events, so any subset of them gives it.
func (e *Engine) personCols() string {
	return e.t.Person + " AS person, " + orderOf(e.t) + " AS po"
}

// orderOf is SQL, in a query of t grouped by person, for the person's
// place in the local engine's lists (personCols).
func orderOf(t *clickhouse.Table) string {
	if t.Order == "" {
		return "toUInt64(0)"
	}
	return "any(" + t.Order + ")"
}

// checkEvent says, as the local engine does, that an event name is unknown.
func (f *facts) checkEvent(name string) error {
	if f.known[name] {
		return nil
	}
	near := query.Closest(name, f.names, 3)
	if len(near) == 0 {
		return i18n.Errorf("unknown event %q; run spoor events to list the %d known names", name, len(f.names))
	}
	return i18n.Errorf("unknown event %q; closest known: %s", name, strings.Join(near, i18n.T(", ")))
}

// span resolves the range and zone of c as the local engine does. An
// analysis that takes --segment and --by segment:NAME calls scope instead.
func (e *Engine) span(ctx context.Context, c query.Common) (*facts, query.Span, error) {
	if !e.scoped && (c.Segment != "" || strings.HasPrefix(c.By, "segment:")) {
		return nil, query.Span{}, i18n.Errorf("--segment and --by segment:NAME are not compiled for this analysis on ClickHouse yet")
	}
	f, err := e.data(ctx)
	if err != nil {
		return nil, query.Span{}, err
	}
	s, err := c.Span(e.loc, f.min, f.max)
	return f, s, err
}

// eachPerson runs a per-person query where the events are: on the table,
// or on a table sharded by person on every shard's local table at once
// (each shard holds all of its persons' events), so what comes back is
// one row per person and never an event. fn is called from one goroutine.
func (e *Engine) eachPerson(ctx context.Context, sql func(from string) string, fn func(row []string) error) error {
	if !e.t.ShardedByPerson {
		_, _, err := e.client(ctx).Each(ctx, sql(e.t.From), fn)
		return err
	}
	shards, err := e.hostShards(ctx)
	if err != nil {
		return err
	}
	results := make([]*clickhouse.Result, len(shards))
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, c := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Query(ctx, sql(e.t.Local))
		}()
	}
	wg.Wait()
	for i, r := range results {
		if errs[i] != nil {
			return errs[i]
		}
		for _, row := range r.Rows {
			if err := fn(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostShards are e.shards for one query each at once (eachPerson). Shards
// on one host share its cores: each then gets its share of the server's
// threads, one at least, and on one thread groups in two levels as
// eachPart's parts do. At 10M events on the 2-shard cluster of one
// 2-core host, a shard's paths query costs 1.15-1.25 s of server CPU on
// one thread against 1.4-1.6 s on two (load ~30); both shards still run
// at once. Shards on hosts of their own keep all their threads.
func (e *Engine) hostShards(ctx context.Context) ([]*clickhouse.Client, error) {
	shards, err := e.shards(ctx)
	if err != nil {
		return nil, err
	}
	onHost, threads := onHost(shards), e.shardThreads(ctx, shards)
	var events int64
	if f, err := e.data(ctx); err == nil {
		events = f.count / int64(len(shards))
	}
	out := make([]*clickhouse.Client, len(shards))
	for i, c := range shards {
		out[i] = c
		if onHost[i] == 1 {
			continue
		}
		threads := threads[i]
		tune := clickhouse.Settings{"max_threads": strconv.Itoa(threads)}
		if threads == 1 && events >= twoLevelEvents {
			tune["group_by_two_level_threshold"] = "4096"
			tune["max_bytes_before_external_group_by"] = strconv.FormatInt(1<<50, 10)
		}
		out[i] = c.Tune(tune)
	}
	return out, nil
}

// shardThreads is, per shard, how many threads its query of hostShards
// runs on: the server's threads shared by the shards on its host.
func (e *Engine) shardThreads(ctx context.Context, shards []*clickhouse.Client) []int {
	out := make([]int, len(shards))
	for i, n := range onHost(shards) {
		out[i] = max(1, e.threads(ctx)/n)
	}
	return out
}

// onHost is, per client, how many of clients are on its host (the host
// of their addresses).
func onHost(clients []*clickhouse.Client) []int {
	host := func(c *clickhouse.Client) string {
		h, _, err := net.SplitHostPort(c.Addr())
		if err != nil {
			return c.Addr()
		}
		return h
	}
	hosts := map[string]int{}
	for _, c := range clients {
		hosts[host(c)]++
	}
	n := make([]int, len(clients))
	for i, c := range clients {
		n[i] = hosts[host(c)]
	}
	return n
}

// EmptyNotes says what the local engine's notes say: a date range outside
// the data, a --where filter no stored value passes (read from the
// property's distinct values, as the filter's own check reads them).
func (e *Engine) EmptyNotes(ctx context.Context, c query.Common) []string {
	c.Segment, c.By = "", ""
	f, s, err := e.span(ctx, c)
	if err != nil || f.count == 0 {
		return nil
	}
	var notes []string
	if n := query.RangeNote(c, s, f.min, f.max); n != "" {
		notes = append(notes, n)
	}
	for _, w := range c.Where {
		flt, err := query.ParseFilter(w)
		if err != nil {
			return nil
		}
		switch flt.Op {
		case "=", "in", "contains", ">", ">=", "<", "<=":
		default:
			continue
		}
		value, has := e.t.Prop(flt.Prop)
		r, err := e.c.Query(ctx, "SELECT DISTINCT "+value+" FROM "+e.t.From+" WHERE "+e.t.Where+" AND "+has+" LIMIT "+strconv.Itoa(maxValues))
		if err != nil {
			return notes
		}
		values := make([]string, len(r.Rows))
		for i, row := range r.Rows {
			values[i] = row[0]
		}
		if note := query.FilterNote(flt, values); note != "" {
			notes = append(notes, i18n.T("--where %q: %s", w, note))
		}
	}
	return notes
}

// errNotYet says that what (an i18n.M, shown in the current language) has
// no ClickHouse query yet.
func errNotYet(what i18n.Msg) error {
	return i18n.Errorf("%s is not compiled for ClickHouse yet; copy the events to a local database to run it", what)
}

// stages builds a per-person query as nested SELECTs, each adding
// columns computed from the previous one's. Within one SELECT a column may
// use another's alias, but ClickHouse 18.16 expands each use of an alias
// into a copy of its expression, so chains of them grow exponentially;
// and each nested SELECT costs a pass over the person's arrays. So a
// stage ends where the caller says (next) and wherever the expanded text
// of a column would pass maxExpanded.
type stages struct {
	list [][]string
	size map[string]int // the current stage's aliases: their expanded length
}

// maxExpanded bounds the expanded text of one column of a stage.
const maxExpanded = 16 << 10

// next starts a stage: what it defines may use every earlier stage. An
// alias used inside a lambda's body must come from an earlier stage:
// expanded there, its expression would run per array element.
func (s *stages) next() {
	s.list = append(s.list, nil)
	s.size = map[string]int{}
}

// let defines a column of the current stage, or of a new one when its
// expansion would be too long.
func (s *stages) let(name, expr string) {
	if len(s.list) == 0 {
		s.next()
	}
	n := s.expanded(expr)
	if n > maxExpanded && len(s.list[len(s.list)-1]) > 0 {
		s.next()
		n = len(expr)
	}
	last := len(s.list) - 1
	s.list[last] = append(s.list[last], expr+" AS "+name)
	s.size[name] = n
}

// expanded is the length of expr once the current stage's aliases in it
// are replaced by their expansions.
func (s *stages) expanded(expr string) int {
	n := len(expr)
	for i := 0; i < len(expr); {
		j := i
		for j < len(expr) && (expr[j] == '_' || expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z' || j > i && expr[j] >= '0' && expr[j] <= '9') {
			j++
		}
		if j == i {
			i++
			continue
		}
		if m, ok := s.size[expr[i:j]]; ok {
			n += m - (j - i)
		}
		i = j
	}
	return n
}

// wrap nests the stages around the innermost SELECT.
func (s *stages) wrap(inner string) string {
	for _, st := range s.list {
		if len(st) > 0 {
			inner = "SELECT *, " + strings.Join(st, ", ") + " FROM (" + inner + ")"
		}
	}
	return inner
}

// CheckEvent says, as the local engine does, that the table holds no event
// of that name, with the closest names it holds; nil when it holds some.
func (e *Engine) CheckEvent(ctx context.Context, name string) error {
	f, err := e.data(ctx)
	if err != nil {
		return err
	}
	return f.checkEvent(name)
}

// lastDeepest defines top (the deepest level any element of the per-event
// array arr reaches), level (0-based) and idx (the place in arr of the last
// element reaching it), in stages of their own.
func lastDeepest(st *stages, arr string) {
	st.next()
	st.let("top", "arrayReduce('max', "+arr+")")
	st.next()
	st.let("level", "toInt64(top) - 1")
	st.let("idx", "toInt64(length("+arr+")) - toInt64(indexOf(arrayReverse("+arr+"), top)) + 1")
	st.next()
}
