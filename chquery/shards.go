package chquery

import (
	"context"
	"strconv"
	"strings"
	"sync"

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
	hosts, err := clickhouse.Hosts(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []*clickhouse.Client
	seen := map[string]bool{}
	for _, h := range hosts {
		if !seen[h.Shard] {
			seen[h.Shard] = true
			out = append(out, h.Client)
		}
	}
	e.cache.shards = out
	return out, nil
}

// partSQL is a per-person query over a table (the table, or a shard's
// local table) and the rows of one part of its persons (a condition).
type partSQL func(from, part string) string

// maxParts bounds how many queries one server gets for one analysis.
const maxParts = 16

// partEvents is how many events a table holds before eachPart splits
// its persons: below, one query costs less than several (tests lower it).
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
		e.cache.threads = 2
		r, err := e.c.Query(ctx, "SELECT value FROM system.settings WHERE name = 'max_threads'")
		if err == nil && len(r.Rows) == 1 {
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Rows[0][0], "auto("), ")")); err == nil {
				e.cache.threads = min(max(n, 2), maxParts)
			}
		}
	}
	return e.cache.threads
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
	clients, from := []*clickhouse.Client{e.c}, e.t.From
	if e.t.ShardedByPerson {
		var err error
		if clients, err = e.shards(ctx); err != nil {
			return err
		}
		from = e.t.Local
	}
	k := e.parts(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
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
	for _, c := range clients {
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
		for i := range k {
			// cityHash64 costs a part's scan a tenth of what sipHash64
			// did (10M events: 10 against 130 ms of server CPU); mixed
			// by intHash64, it is not the value push's Distributed
			// table shards by (cityHash64(person)), which is one value
			// per shard.
			part := "intHash64(cityHash64(" + e.t.Person + ")) % " + strconv.Itoa(k) + " = " + strconv.Itoa(i)
			if k == 1 {
				part = "1"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := c.Each(ctx, sql(from, part), func(row []string) error {
					mu.Lock()
					defer mu.Unlock()
					if first != nil {
						return first
					}
					return fn(row)
				})
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	return first
}
