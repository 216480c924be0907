package chquery

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
)

// shards are clients for one host of every shard of the table's cluster:
// each holds all the events of its persons. They are read once per engine.
func (e *Engine) shards(ctx context.Context) ([]*clickhouse.Client, error) {
	c := e.client(ctx)
	e.cache.server.Lock()
	defer e.cache.server.Unlock()
	if e.cache.shards != nil {
		return e.cache.shards, nil
	}
	hosts := e.base.Hosts // read by Describe
	if hosts == nil {
		var err error
		if hosts, err = clickhouse.HostAddrs(ctx, c); err != nil {
			return nil, err
		}
	}
	e.cache.shards = shardsAt(c, hosts)
	return e.cache.shards, nil
}

// partSQL is a per-person query over a table (the table, or a shard's
// local table) and the rows of one part of its persons (a condition).
type partSQL func(from, part string) string

// maxParts bounds how many queries one server gets for one analysis.
const maxParts = 16

// partEvents is how many events a table holds before eachPart splits
// its persons: below, one query costs less than several (tests lower it).
// Above, each part's query pays its analysis again (a 4-step funnel's
// part over no persons: 26-28 ms of server CPU on 18.16), but at 1M
// events the whole table in one query cost more: 350 against 280 ms of
// server CPU in two parts (medians of 7 alternated fresh funnels, load
// 15), as one thread then runs every array pass over all the persons.
var partEvents int64 = 1 << 18

// twoLevelEvents is how many events a part of eachPart holds before its
// persons are grouped in two levels (tests lower it).
var twoLevelEvents int64 = 1 << 21

// parts is how many parts eachPart splits each server's persons into:
// the server's threads, one for a small table.
func (e *Engine) parts(ctx context.Context) int {
	if f, err := e.data(ctx); err != nil || f.count < partEvents {
		return 1
	}
	return e.threads(ctx)
}

// threads is how many threads a query may use on the server: its
// max_threads (its physical cores, by default), at least two, as 18.16
// counts no hyperthread and counts one core on some two-core machines.
func (e *Engine) threads(ctx context.Context) int {
	e.cache.server.Lock()
	defer e.cache.server.Unlock()
	if e.cache.threads == 0 {
		file, ok := e.threadsFile()
		if n, fresh := loadThreads(file, ok); fresh {
			e.cache.threads = n
			return n
		}
		e.cache.threads = 2
		r, err := e.c.Query(ctx, "SELECT value FROM system.settings WHERE name = 'max_threads'")
		if err == nil && len(r.Rows) == 1 {
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Rows[0][0], "auto("), ")")); err == nil {
				e.cache.threads = min(max(n, 2), maxParts)
				if ok {
					storeJSON(file, cachedThreads{Threads: e.cache.threads})
				}
			}
		}
	}
	return e.cache.threads
}

// threadsAge is how long a server's threads (Engine.threads) are taken
// from the cache rather than asked again. They only tune how a query is
// split, never its answer, so a setting changed on the server within
// that time costs speed at most; asking costs every command a round trip
// before its first query.
const threadsAge = time.Hour

// cachedThreads is the cache file of a server's threads.
type cachedThreads struct {
	Threads int `json:"threads"`
}

// threadsFile is the cache file of the threads of the engine's server and
// user (their settings profile), ok false without a cache directory.
func (e *Engine) threadsFile() (file string, ok bool) {
	dir, err := userCacheDir()
	if err != nil || dir == "" {
		return "", false
	}
	sum := sha256.Sum256([]byte("spoor threads 1\x00" + e.c.Addr() + "\x00" + e.c.Source().User))
	// A folder of their own: the facts files are the folder's *.json.
	return filepath.Join(dir, "spoor", "clickhouse", "threads", hex.EncodeToString(sum[:16])+".json"), true
}

// loadThreads reads a threads cache file written less than threadsAge
// ago; fresh is false when there is none, or it is older or damaged.
func loadThreads(file string, ok bool) (n int, fresh bool) {
	if !ok {
		return 0, false
	}
	st, err := os.Stat(file)
	if err != nil || time.Since(st.ModTime()) > threadsAge || time.Since(st.ModTime()) < -time.Minute {
		return 0, false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	var c cachedThreads
	if json.Unmarshal(b, &c) != nil || c.Threads < 2 || c.Threads > maxParts {
		return 0, false
	}
	return c.Threads, true
}

// client is e.c with the server's threads (Engine.threads) for one query
// that scans the table.
func (e *Engine) client(ctx context.Context) *clickhouse.Client {
	return e.c.Tune(clickhouse.Settings{"max_threads": strconv.Itoa(e.threads(ctx))})
}

// eachPart is eachPerson with each server's persons split into parts by a
// hash of the person, a query per part, all at once: ClickHouse runs what a query
// computes after its GROUP BY (the per-person arrays) on one thread, so
// one query per core lets a server use all of its cores. sql gets the
// table and the part's condition on the rows; fn is called one row at a
// time.
func (e *Engine) eachPart(ctx context.Context, sql partSQL, fn func(row []string) error) error {
	pl, err := e.partPlan(ctx)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	return pl.run(ctx, sql, func(ctx context.Context, c *clickhouse.Client, q string, _ int) error {
		_, _, err := c.Each(ctx, q, func(row []string) error {
			mu.Lock()
			defer mu.Unlock()
			if err := ctx.Err(); err != nil { // another part failed
				return err
			}
			return fn(row)
		})
		return err
	})
}

// eachPartBinary is eachPart with the rows in RowBinary: the parts'
// answers are read at once, part i's rows by the i-th reader of
// parts(n), each called from its own goroutine (so each keeps its own
// state, and the caller guards what they share). A TabSeparated row cost
// the client more to read than the server to send (a 1M-event funnel:
// about a quarter of the client's CPU).
func (e *Engine) eachPartBinary(ctx context.Context, sql partSQL, parts func(n int) []func(r *clickhouse.RowBinary) error) error {
	pl, err := e.partPlan(ctx)
	if err != nil {
		return err
	}
	fns := parts(pl.n())
	return pl.run(ctx, sql, func(ctx context.Context, c *clickhouse.Client, q string, i int) error {
		r, err := c.QueryRowBinary(ctx, q)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.More() {
			if err := fns[i](r); err != nil {
				return err
			}
		}
		return r.Err()
	})
}

// partPlan is where eachPart's queries go: each client (one per shard,
// tuned for a part) gets a query per condition, over the table from.
type partPlan struct {
	clients []*clickhouse.Client
	from    string
	conds   []string
}

// n is how many queries the plan sends.
func (pl *partPlan) n() int { return len(pl.clients) * len(pl.conds) }

func (e *Engine) partPlan(ctx context.Context) (*partPlan, error) {
	clients, from := []*clickhouse.Client{e.c}, e.t.From
	if e.t.ShardedByPerson {
		var err error
		if clients, err = e.shards(ctx); err != nil {
			return nil, err
		}
		from = e.t.Local
	}
	// Servers on one host share its cores, which each server's threads
	// count (its max_threads), so each splits its persons into its share
	// of them; with one part each a server's query is eachPerson's
	// (hostShards). The test cluster's two shards on two cores split in two
	// parts each cost, at 10M events, 4.3-4.7 s of server CPU for a funnel
	// against 4.0-4.1 s in one query each on two threads, and 2.4-3.0 s
	// against 2.2-2.7 s for retention (7 runs each in turns, load 31-35).
	k := e.parts(ctx)
	if e.t.ShardedByPerson {
		k /= slices.Max(onHost(clients))
		if k <= 1 {
			if clients, err := e.hostShards(ctx); err == nil {
				return &partPlan{clients: clients, from: from, conds: []string{"1"}}, nil
			}
		}
	}
	conds := e.partConds(ctx, k)
	k = len(conds)
	// On one thread 18.16 groups in one hash table (two levels are
	// allowed only to several threads or to a group by that may spill)
	// and hands all of a part's persons on as one block, whose every
	// array function then allocates arrays of all their events: tens of
	// MB, fresh pages each time. Two levels give 256 blocks (a bound that
	// never spills allows them), which pays for a large part: at 10M
	// events a funnel part's server CPU 3.6 -> 1.5 s, memory 455 -> 110
	// MB; at 1M (0.5M events a part) it was 0.27 -> 0.28 s.
	var events int64
	if f, err := e.data(ctx); err == nil {
		events = f.count / int64(len(clients)*k)
	}
	tuned := make([]*clickhouse.Client, len(clients))
	for i, c := range clients {
		switch {
		case k > 1 && events >= twoLevelEvents:
			c = c.Tune(clickhouse.Settings{
				"max_threads":                        "1",
				"group_by_two_level_threshold":       "4096",
				"max_bytes_before_external_group_by": strconv.FormatInt(1<<50, 10),
			})
		case k > 1:
			c = c.Tune(clickhouse.Settings{"max_threads": "1"})
		}
		tuned[i] = c
	}
	return &partPlan{clients: tuned, from: from, conds: conds}, nil
}

// run sends the plan's queries all at once, each by run with its client,
// its SQL and its number i (0 <= i < n()). The first error cancels the
// others and is returned.
func (pl *partPlan) run(ctx context.Context, sql partSQL, run func(ctx context.Context, c *clickhouse.Client, q string, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for s, c := range pl.clients {
		for p, part := range pl.conds {
			wg.Go(func() {
				if err := run(ctx, c, sql(pl.from, part), s*len(pl.conds)+p); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return first
}

// partConds are the conditions on the rows of eachPart's k parts (fewer
// when the persons do not split so far). On push's layout, ordered by
// person, a part is a range of persons between partBounds, so each
// part's query reads only its range's granules: at 1M events two parts
// cost 291-305 ms of server CPU against 350-374 split by a hash, which
// read every row in each part. On other tables, or when the bounds
// cannot be read, a part is the persons of one value of a hash.
func (e *Engine) partConds(ctx context.Context, k int) []string {
	if k <= 1 {
		return []string{"1"}
	}
	p := e.t.Person
	if hasID(e.base) {
		if b, err := e.partBounds(ctx, k); err == nil {
			if len(b) == 0 {
				return []string{"1"}
			}
			conds := []string{p + " < " + clickhouse.String(b[0])}
			for i := 1; i < len(b); i++ {
				conds = append(conds, p+" >= "+clickhouse.String(b[i-1])+" AND "+p+" < "+clickhouse.String(b[i]))
			}
			return append(conds, p+" >= "+clickhouse.String(b[len(b)-1]))
		}
	}
	conds := make([]string, k)
	for i := range conds {
		// cityHash64 costs a part's scan a tenth of what sipHash64 did
		// (10M events: 10 against 130 ms of server CPU); mixed by
		// intHash64, it is not the value push's Distributed table
		// shards by (cityHash64(person)), which is one value per shard.
		conds[i] = "intHash64(cityHash64(" + p + ")) % " + strconv.Itoa(k) + " = " + strconv.Itoa(i)
	}
	return conds
}

// partQuantiles is how finely partBounds reads the persons' spread: the
// i/partQuantiles quantiles, i = 1..partQuantiles-1.
const partQuantiles = maxParts

// partBounds returns at most k-1 persons, sorted and distinct, that split
// the events of the table's persons into k parts of about as many events:
// from the quantiles of the persons' first 8 bytes over the events, read
// once per table (with the facts, in the cache). Any bounds split the
// persons into parts; these only balance them. On a table sharded by
// person the quantiles are the whole table's, which hold for each shard:
// push spreads the persons by a hash.
func (e *Engine) partBounds(ctx context.Context, k int) ([]string, error) {
	f, err := e.data(ctx)
	if err != nil {
		return nil, err
	}
	e.cache.mu.Lock()
	q := f.bounds
	e.cache.mu.Unlock()
	if q == nil {
		t := e.base
		levels := make([]string, partQuantiles-1)
		for i := range levels {
			levels[i] = strconv.FormatFloat(float64(i+1)/partQuantiles, 'g', -1, 64)
		}
		// The first 8 bytes, padded with zero bytes, as a big-endian number.
		prefix := "reinterpretAsUInt64(reverse(substring(concat(" + t.Person + ", '" + strings.Repeat(`\0`, 8) + "'), 1, 8)))"
		r, err := e.client(ctx).Query(ctx, "SELECT quantiles("+strings.Join(levels, ", ")+")("+prefix+") FROM "+t.From+" WHERE "+t.Where)
		if err != nil {
			return nil, err
		}
		if len(r.Rows) != 1 || len(r.Rows[0]) != 1 {
			return nil, errors.New("quantiles: no row")
		}
		if q, err = prefixBounds(r.Rows[0][0]); err != nil {
			return nil, err
		}
		e.cache.mu.Lock()
		f.bounds = q
		e.keep(ctx, f)
		e.cache.mu.Unlock()
	}
	return pickBounds(q, k), nil
}

// pickBounds returns, of the sorted quantiles q (partBounds'), the bounds
// of k parts: the i/k quantiles, i = 1..k-1, those that repeat or are
// empty left out.
func pickBounds(q []string, k int) []string {
	var b []string
	for i := 1; i < k; i++ {
		if v := q[i*partQuantiles/k-1]; v != "" && (len(b) == 0 || v > b[len(b)-1]) {
			b = append(b, v)
		}
	}
	return b
}

// prefixBounds reads partBounds' array of quantiles into the persons
// they stand for: each number's 8 big-endian bytes, up to the first that
// is not printable ASCII (so they keep in the JSON cache as they are),
// sorted. The partQuantiles-1 strings may repeat.
func prefixBounds(arr string) ([]string, error) {
	s, open := strings.CutPrefix(strings.TrimSpace(arr), "[")
	s, closed := strings.CutSuffix(s, "]")
	if !open || !closed {
		return nil, fmt.Errorf("quantiles: not an array: %.40q", arr)
	}
	fs := strings.Split(s, ",")
	if len(fs) != partQuantiles-1 {
		return nil, fmt.Errorf("quantiles: %d values, expected %d", len(fs), partQuantiles-1)
	}
	out := make([]string, len(fs))
	for i, v := range fs {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		var n uint64
		switch {
		case x >= math.MaxUint64:
			n = math.MaxUint64
		case x > 0:
			n = uint64(x)
		}
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], n)
		end := 0
		for end < 8 && b[end] >= 0x20 && b[end] < 0x7f {
			end++
		}
		out[i] = string(b[:end])
	}
	slices.Sort(out)
	return out, nil
}
