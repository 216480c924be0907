package chquery

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/query"
)

// cacheIn points the facts cache at dir for the test.
func cacheIn(t *testing.T, dir string) {
	saved := userCacheDir
	t.Cleanup(func() { userCacheDir = saved })
	userCacheDir = func() (string, error) { return dir, nil }
}

// fresh is an engine on e's table as a new process opens it: nothing
// read yet.
func fresh(e *Engine) *Engine { return New(e.c, e.base, e.loc) }

// wantFacts are the facts of raw, counted here (the fixture's ids number
// the events from 1).
func wantFacts(raw []query.RawEvent) facts {
	f := facts{maxID: uint64(len(raw))}
	counts := map[string]int{}
	for i, e := range raw {
		if i == 0 || e.Time < f.min {
			f.min = e.Time
		}
		if i == 0 || e.Time > f.max {
			f.max = e.Time
		}
		counts[e.Event]++
	}
	for n := range counts {
		f.names = append(f.names, n)
	}
	sort.Strings(f.names)
	for _, n := range f.names {
		f.counts = append(f.counts, counts[n])
		f.count += int64(counts[n])
	}
	return f
}

// checkFacts fails unless a new process's engine on e's table reads the
// facts of raw.
func checkFacts(t *testing.T, what string, e *Engine, raw []query.RawEvent) {
	t.Helper()
	got, err := fresh(e).data(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want := wantFacts(raw)
	g := facts{min: got.min, max: got.max, count: got.count, names: got.names, counts: got.counts, maxID: got.maxID}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("%s: facts %+v, want %+v", what, g, want)
	}
}

// checkPersons fails unless a new process's engine on e's table counts
// the persons of raw.
func checkPersons(t *testing.T, what string, e *Engine, raw []query.RawEvent) {
	t.Helper()
	got, err := fresh(e).persons(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	users := map[string]bool{}
	for _, ev := range raw {
		users[ev.User] = true
	}
	if got != len(users) {
		t.Fatalf("%s: %d persons, want %d", what, got, len(users))
	}
}

// cacheFiles are the cache files under dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "spoor", "clickhouse", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestFactsCacheNeverStale: a new process reads the facts (and the count
// of persons) from the cache only while the table's parts are those they
// were read under. Rows added
// (on one shard of the cluster alone, too), parts merged, rows deleted by
// a mutation, the table dropped and made again: each next engine sees the
// rows as they are. A cached entry is used (a doctored one shows), and a
// damaged file, a cache directory that cannot be made or none at all only
// cost the scan.
func TestFactsCacheNeverStale(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	cacheIn(t, dir)
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC).UnixMilli()
	raw := []query.RawEvent{
		{User: "u1", Event: "a", Time: day + 1000}, {User: "u2", Event: "b", Time: day + 2000},
		{User: "u3", Event: "a", Time: day + 3000}, {User: "u1", Event: "b", Time: day + 86_400_000},
	}
	b := f.load(raw, time.UTC)
	engines := map[string]*Engine{"single": b.single, "sharded": b.sharded}
	for name, e := range engines {
		checkFacts(t, name+", first read", e, b.raw)
		checkFacts(t, name+", from the cache", e, b.raw)
		checkPersons(t, name+", first count", e, b.raw)
		checkPersons(t, name+", count from the cache", e, b.raw)
	}
	files := cacheFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("cache files %v, want one per table", files)
	}

	// A doctored entry under the right key is what a new engine reads:
	// the cache is used.
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var c cachedFacts
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatal(err)
		}
		if c.Persons == nil {
			t.Fatalf("%s: the count of persons was not kept", file)
		}
		c.Counts[0] += 1000
		*c.Persons += 1000
		data, _ = json.Marshal(c)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, e := range engines {
		got, err := fresh(e).data(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.counts[0] != wantFacts(b.raw).counts[0]+1000 {
			t.Fatalf("%s: counts %v: the cached entry was not read", name, got.counts)
		}
		if n, err := fresh(e).persons(context.Background()); err != nil || n != 3+1000 {
			t.Fatalf("%s: %d persons (%v): the cached count was not read", name, n, err)
		}
	}

	// Rows added: a new name, a later time; on the cluster u9's rows go to
	// one shard only, whose parts alone change.
	f.add(b, []query.RawEvent{{User: "u9", Event: "c", Time: day + 5*86_400_000}})
	for name, e := range engines {
		checkFacts(t, name+", after an insert", e, b.raw)
		checkFacts(t, name+", after an insert, from the cache", e, b.raw)
		checkPersons(t, name+", after an insert", e, b.raw)
		checkPersons(t, name+", after an insert, from the cache", e, b.raw)
	}
	// The analyses of a new engine see the new rows.
	q := query.TrendsQuery{Measure: query.MeasureUsers, Interval: "day"}
	sameTrends(t, &backends{local: b.local, single: fresh(b.single), sharded: fresh(b.sharded)}, q)

	// Parts merged: the same rows under new part names.
	f.exec(0, "OPTIMIZE TABLE "+f.db+"."+b.name+"_one FINAL")
	for i := range f.c.Servers {
		f.exec(i, "OPTIMIZE TABLE "+f.db+"."+b.name+"_local FINAL")
	}
	for name, e := range engines {
		checkFacts(t, name+", after a merge", e, b.raw)
	}

	// Rows deleted by a mutation.
	f.exec(0, "ALTER TABLE "+f.db+"."+b.name+"_one DELETE WHERE event = 'c'")
	for i := range f.c.Servers {
		f.exec(i, "ALTER TABLE "+f.db+"."+b.name+"_local DELETE WHERE event = 'c'")
	}
	for i := range f.c.Servers {
		for {
			out, err := f.c.Exec(i, "SELECT count() FROM system.mutations WHERE database = '"+f.db+"' AND is_done = 0")
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) == "0" {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.raw = b.raw[:len(b.raw)-1]
	for name, e := range engines {
		checkFacts(t, name+", after a delete", e, b.raw)
		checkPersons(t, name+", after a delete", e, b.raw)
	}

	// The one-server table dropped and made again with other rows.
	f.exec(0, "DROP TABLE "+f.db+"."+b.name+"_one")
	f.exec(0, "CREATE TABLE "+f.db+"."+b.name+"_one "+tableDDL)
	f.exec(0, "INSERT INTO "+f.db+"."+b.name+"_one (person, distinct_id, time, event, prop_keys, prop_values, id) VALUES ('u5', 'u5', "+lit(day+7000)+", 'd', [], [], 1)")
	checkFacts(t, "single, after the table was made again", b.single, []query.RawEvent{{User: "u5", Event: "d", Time: day + 7000}})

	// A damaged cache file is read as none, and written anew.
	for _, file := range cacheFiles(t, dir) {
		if err := os.WriteFile(file, []byte(`{"id": "trunc`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	checkFacts(t, "sharded, over a damaged file", b.sharded, b.raw)
	checkFacts(t, "sharded, rewritten", b.sharded, b.raw)

	// No cache directory to be had: a file where it would be made, or
	// none known.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cacheIn(t, filepath.Join(blocker, "cache"))
	checkFacts(t, "sharded, cache directory cannot be made", b.sharded, b.raw)
	userCacheDir = func() (string, error) { return "", os.ErrNotExist }
	checkFacts(t, "sharded, no cache directory", b.sharded, b.raw)
}

// TestThreadsCache: a server's threads come from a cache file written
// within threadsAge; an old, damaged or out-of-range file, or none, is
// asked again (pure: no server).
func TestThreadsCache(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "threads", "x.json")
	if _, fresh := loadThreads(file, true); fresh {
		t.Fatal("no file read as fresh")
	}
	storeJSON(file, cachedThreads{Threads: 4})
	if n, fresh := loadThreads(file, true); !fresh || n != 4 {
		t.Fatalf("fresh file: %d %v, want 4 true", n, fresh)
	}
	if _, fresh := loadThreads(file, false); fresh {
		t.Fatal("read without a cache directory")
	}
	old := time.Now().Add(-threadsAge - time.Minute)
	if err := os.Chtimes(file, old, old); err != nil {
		t.Fatal(err)
	}
	if _, fresh := loadThreads(file, true); fresh {
		t.Fatal("a file older than threadsAge read as fresh")
	}
	for _, body := range []string{`{"threads":1}`, `{"threads":99}`, `{"thr`, ``} {
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if n, fresh := loadThreads(file, true); fresh {
			t.Fatalf("%q read as %d", body, n)
		}
	}
}

// TestDescribeSharded: on push's Distributed table a new process reads
// the table's definition with the cluster's hosts in one query, then each
// shard's key at once; the columns come from the cache while the
// Distributed table is unchanged, and the first analysis's facts and
// shards need no further query. An ALTER of the Distributed table alone
// is seen.
func TestDescribeSharded(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	cacheIn(t, dir)
	raw := []query.RawEvent{
		{User: "u1", Event: "a", Time: day0 + 1000}, {User: "u2", Event: "b", Time: day0 + 2000},
		{User: "u3", Event: "a", Time: day0 + 3000}, {User: "u1", Event: "b", Time: day0 + 86_400_000},
	}
	b := f.load(raw, time.UTC)
	// Every request passes a proxy counting the queries by their ids;
	// the URL names the shards by their proxies.
	var mu sync.Mutex
	queries := map[string]string{}
	proxy := func(addr string) string {
		u, err := url.Parse("http://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		// A new connection to the server for each request: the default
		// transport keeps idle ones for 90 s, past the test servers'
		// keep_alive_timeout (10 s), and a request sent on one the server
		// is closing fails, which Describe answers its other way, with
		// more queries (spoor's client and chtest's keep theirs 1-2 s).
		rp.Transport = &http.Transport{DisableKeepAlives: true}
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			mu.Lock()
			queries[r.URL.Query().Get("query_id")] = r.Host + ": " + r.URL.Query().Get("query") + string(body)
			mu.Unlock()
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(s.Close)
		return strings.TrimPrefix(s.URL, "http://")
	}
	p0, p1 := proxy(f.c.Servers[0].HTTPAddr()), proxy(f.c.Servers[1].HTTPAddr())
	src, err := clickhouse.ParseURL("clickhouse://default@"+p0+"/"+f.db+"?table="+b.name+"&cluster="+chtest.ClusterName+"&shards="+p0+","+p1, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// sent are the queries of the last open, for a failure's message.
	var sent []string
	// open is a new process's engine, its facts and shards read, and
	// the requests that cost.
	open := func(what string) (*Engine, int) {
		t.Helper()
		mu.Lock()
		clear(queries)
		mu.Unlock()
		c := clickhouse.NewClient(src)
		tab, err := Describe(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !tab.ShardedByPerson {
			t.Fatalf("%s: the table is not read as sharded by person", what)
		}
		e := New(c, tab, time.UTC)
		got, err := e.data(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if g, want := (facts{min: got.min, max: got.max, count: got.count, names: got.names, counts: got.counts, maxID: got.maxID}), wantFacts(raw); !reflect.DeepEqual(g, want) {
			t.Fatalf("%s: facts %+v, want %+v", what, g, want)
		}
		shards, err := e.shards(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(shards) != 2 || shards[0].Addr() != p0 || shards[1].Addr() != p1 {
			t.Fatalf("%s: %d shards", what, len(shards))
		}
		mu.Lock()
		defer mu.Unlock()
		sent = slices.Sorted(maps.Values(queries))
		return e, len(queries)
	}
	open("first process")
	// The definition and hosts, the two shards' keys; before, the
	// Distributed table's key, its columns, the hosts and the shards'
	// keys, 5 queries.
	if _, n := open("second process"); n != 3 {
		t.Fatalf("a new process sent %d queries before its analysis, want 3:\n%s", n, strings.Join(sent, "\n"))
	}
	// A doctored entry is what the next process reads: the columns come
	// from the cache.
	files, err := filepath.Glob(filepath.Join(dir, "spoor", "clickhouse", "tables", "*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("cached tables %v (%v), want one", files, err)
	}
	cached := func() cachedTable {
		t.Helper()
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		var ct cachedTable
		if err := json.Unmarshal(data, &ct); err != nil {
			t.Fatal(err)
		}
		return ct
	}
	ct := cached()
	ct.Columns = append(ct.Columns, clickhouse.Column{Name: clickhouse.PropColumn("doctored"), Type: "Nullable(String)", Comment: "doctored"})
	data, _ := json.Marshal(ct)
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	if e, _ := open("doctored"); !hasProp(e, "doctored") {
		t.Fatal("the cached columns were not read")
	}
	// A column added to the Distributed table alone (its shards' tables
	// and their facts unchanged): its columns are read again, in one
	// more query.
	f.exec(0, "ALTER TABLE "+f.db+"."+b.name+" "+clickhouse.AddPropColumn("plan"))
	e, n := open("after an ALTER")
	if !hasProp(e, "plan") || hasProp(e, "doctored") {
		t.Fatalf("after an ALTER, columns %v", e.t.PropColumnKeys())
	}
	if n != 4 {
		t.Fatalf("after an ALTER a new process sent %d queries before its analysis, want 4:\n%s", n, strings.Join(sent, "\n"))
	}
	// The hosts kept are another's (the second shard moved): the shards'
	// keys are read on the hosts found (open checks the shards), and
	// those are kept.
	ct = cached()
	if len(ct.Hosts) != 2 || ct.Hosts[1].Addr != p1 {
		t.Fatalf("hosts kept %+v", ct.Hosts)
	}
	ct.Hosts[1].Addr = "127.0.0.1:1"
	data, _ = json.Marshal(ct)
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	open("hosts moved")
	if ct = cached(); ct.Hosts[1].Addr != p1 {
		t.Fatalf("hosts kept after they moved: %+v", ct.Hosts)
	}
}

// hasProp reports whether e's table has a column for property key.
func hasProp(e *Engine, key string) bool {
	_, ok := e.t.PropColumn(key)
	return ok
}
