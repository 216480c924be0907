package chquery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
)

// The facts (per event name: count, first and last time) cost a scan of
// the whole table, which every command needs before its own query (0.4 to
// 0.6 s of server CPU at 10M events). So they are kept across processes
// in the user's cache directory, keyed on what changes whenever the
// table's rows do: the active parts of the table on every server holding
// them. A cached entry is used only when its key equals the one just read;
// a cache directory that is missing, unwritable or holds a damaged file
// only costs the scan.

// userCacheDir is os.UserCacheDir (tests point it elsewhere).
var userCacheDir = os.UserCacheDir

// factsFile is the cache file of the facts read by sql on the engine's
// server: named by a digest of the server, the user and the query (which
// names the table and how its columns are read), never the password.
func (e *Engine) factsFile(sql string) (path, id string, ok bool) {
	dir, err := userCacheDir()
	if err != nil || dir == "" {
		return "", "", false
	}
	id = strings.Join([]string{"spoor facts 2", e.c.Addr(), e.c.Source().User, e.c.Source().Database, sql}, "\x00")
	sum := sha256.Sum256([]byte(id))
	return filepath.Join(dir, "spoor", "clickhouse", hex.EncodeToString(sum[:16])+".json"), id, true
}

// cachedFacts is a cache file's content.
type cachedFacts struct {
	ID     string   `json:"id"`
	Key    string   `json:"key"`
	Min    int64    `json:"min"`
	Max    int64    `json:"max"`
	Names  []string `json:"names"`
	Counts []int    `json:"counts"`
	MaxID  uint64   `json:"max_id"`
	// Persons is the number of persons, once a command counted them.
	Persons *int64 `json:"persons,omitempty"`
	// Bounds are the persons' quantiles of Engine.partBounds, once read.
	Bounds []string `json:"bounds,omitempty"`
	// Some are Engine.any's answers, once read.
	Some map[string]bool `json:"some,omitempty"`
}

// factsAt is where an engine's facts are cached and the key they were
// read under.
type factsAt struct{ file, id, key string }

// loadFacts returns the cached facts of file when they were stored under
// id and key.
func loadFacts(file, id, key string) *facts {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var c cachedFacts
	if json.Unmarshal(b, &c) != nil || c.ID != id || c.Key != key || len(c.Names) != len(c.Counts) {
		return nil
	}
	f := &facts{min: c.Min, max: c.Max, names: c.Names, counts: c.Counts, maxID: c.MaxID, persons: -1, known: map[string]bool{}}
	if c.Persons != nil {
		f.persons = *c.Persons
	}
	f.bounds, f.some = c.Bounds, c.Some
	for i, n := range c.Names {
		f.count += int64(c.Counts[i])
		f.known[n] = true
	}
	return f
}

// keep caches f, read under the engine's key (its cache.file), when the
// key still holds: rows that arrived while f was read may or may not be
// in it.
func (e *Engine) keep(ctx context.Context, f *facts) {
	if at := e.cache.file; at != nil {
		if key, ok := e.factsKey(ctx); ok && key == at.key {
			storeFacts(at.file, at.id, at.key, f)
		}
	}
}

// storeFacts writes f to file under id and key, whole or not at all (a
// temporary file renamed over it); a failure is only a cache miss later.
func storeFacts(file, id, key string, f *facts) {
	c := cachedFacts{ID: id, Key: key, Min: f.min, Max: f.max, Names: f.names, Counts: f.counts, MaxID: f.maxID, Bounds: f.bounds, Some: f.some}
	if f.persons >= 0 {
		c.Persons = &f.persons
	}
	storeJSON(file, c)
}

// storeJSON writes v to the cache file, whole or not at all.
func storeJSON(file string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	dir := filepath.Dir(file)
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".facts-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), file) != nil {
		os.Remove(tmp.Name())
	}
}

// factsKey is what changes whenever the rows of the base table do: on each
// server holding them (the table's, or every shard's local table under
// push's Distributed table), the table's engine and creation time and a
// digest of its active parts. An insert adds a part of a new block number,
// a merge or a mutation replaces parts by new names, a dropped and created
// table has a new creation time; a part's rows, bytes, time and path are
// in the digest too. ok is false for a table that keeps no parts (a view,
// Memory, Log, a Distributed table over other tables): its facts are not
// cached.
func (e *Engine) factsKey(ctx context.Context) (key string, ok bool) {
	t, src := e.base, e.c.Source()
	clients, table := []*clickhouse.Client{e.c}, src.Table
	switch {
	case t.ShardedByPerson:
		var err error
		if clients, err = e.shards(ctx); err != nil {
			return "", false
		}
		table += clickhouse.LocalSuffix
	case t.Distributed:
		return "", false
	}
	key, err := serversKey(ctx, clients, src.Database, table)
	return key, err == nil
}

// serversKey is factsKey's key of a table on the servers clients, each
// server's partsKey read at once.
func serversKey(ctx context.Context, clients []*clickhouse.Client, database, table string) (string, error) {
	keys := make([]string, len(clients))
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { keys[i], _, errs[i] = partsKey(ctx, c, database, table) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	return strings.Join(keys, "\n"), nil
}

// partsKey is factsKey's part for a table on one server, and the table's
// engine; os.ErrNotExist when it is not a MergeTree table.
func partsKey(ctx context.Context, c *clickhouse.Client, database, table string) (key, engine string, err error) {
	db, name := clickhouse.String(database), clickhouse.String(table)
	sql := "SELECT engine, toUInt32(metadata_modification_time), (SELECT concat(toString(count()), ' ', toString(sum(rows)), ' ', toString(sum(cityHash64(name, rows, bytes_on_disk, toUInt32(modification_time), data_version, path)))) FROM system.parts WHERE database = " + db + " AND table = " + name + " AND active) FROM system.tables WHERE database = " + db + " AND name = " + name
	r, err := c.InDatabase("system").Query(ctx, sql)
	switch {
	case err != nil:
		return "", "", err
	case len(r.Rows) != 1 || !strings.HasSuffix(r.Rows[0][0], "MergeTree"):
		return "", "", os.ErrNotExist
	}
	return c.Addr() + " " + strings.Join(r.Rows[0], " "), r.Rows[0][0], nil
}

// The columns of a table (Describe) are kept in the cache beside its
// facts, under the same key: an ALTER changes the table's
// metadata_modification_time, which the key holds, and a table dropped
// and created again has new parts. So a fresh process sends one query,
// the key, before its analysis's, where it sent the columns' and the
// key's. Only a MergeTree table's columns are kept: a Distributed
// table's key is its shards' (factsKey), which an ALTER of the
// Distributed table alone would not change.

// keyFresh is how long after Describe read a table's key the first
// analysis's facts are checked against it rather than a key read again.
const keyFresh = 5 * time.Second

// cachedTable is a cache file of a table's columns.
type cachedTable struct {
	ID      string              `json:"id"`
	Key     string              `json:"key"`
	Engine  string              `json:"engine"`
	Columns []clickhouse.Column `json:"columns"`
	// Hosts are a sharded table's cluster's hosts (describeSharded).
	Hosts []clickhouse.HostAddr `json:"hosts,omitempty"`
}

// Describe is clickhouse.Describe for the analyses: a MergeTree table's
// columns come from the cache when the table's key is the one they were
// read under, and the table carries the key (clickhouse.Table.Key), so
// the first analysis's facts need not read it again.
func Describe(ctx context.Context, c *clickhouse.Client) (*clickhouse.Table, error) {
	dir, err := userCacheDir()
	if err != nil || dir == "" {
		return clickhouse.Describe(ctx, c)
	}
	src := c.Source()
	id := strings.Join([]string{"spoor table 1", c.Addr(), src.User, src.String()}, "\x00")
	sum := sha256.Sum256([]byte(id))
	// A folder of their own: the facts files are the folder's *.json.
	file := filepath.Join(dir, "spoor", "clickhouse", "tables", hex.EncodeToString(sum[:16])+".json")
	read := time.Now()
	if src.Cluster != "" && src.Schema == "spoor" {
		if t, err := describeSharded(ctx, c, file, id, read); err == nil {
			return t, nil
		}
	}
	key, engine, err := partsKey(ctx, c, src.Database, src.Table)
	if err != nil {
		return clickhouse.Describe(ctx, c) // which explains a missing table
	}
	var ct cachedTable
	if b, err := os.ReadFile(file); err == nil && json.Unmarshal(b, &ct) == nil && ct.ID == id && ct.Key == key && ct.Engine == engine {
		if t, err := clickhouse.TableOf(src, c.Addr(), ct.Columns, ct.Engine); err == nil {
			t.Key, t.KeyRead = key, read
			return t, nil
		}
	}
	t, err := clickhouse.Describe(ctx, c)
	if err != nil {
		return nil, err
	}
	// Stored under the key read before the columns: had an ALTER come in
	// between, the next process reads them again.
	storeJSON(file, cachedTable{ID: id, Key: key, Engine: engine, Columns: t.Columns})
	t.Key, t.KeyRead = key, read
	return t, nil
}

// describeSharded is Describe for push's Distributed table over a
// cluster, in one round trip where there were four (its key, its
// columns, the cluster's hosts, each shard's key, one after another):
// its definition and the cluster's hosts in one query, and at the same
// time each shard's key on the hosts the last process found (kept with
// the columns), read again on the hosts found now when they differ. The
// columns are kept under the definition (an ALTER of the Distributed
// table changes it), and the table carries the shards' key (factsKey's)
// and the hosts, so neither the first analysis's facts nor its shards
// read them again. An error (no such cluster or table, not a
// Distributed table) leaves the explaining to Describe's other path.
func describeSharded(ctx context.Context, c *clickhouse.Client, file, id string, read time.Time) (*clickhouse.Table, error) {
	src := c.Source()
	table := src.Table + clickhouse.LocalSuffix
	var ct cachedTable
	if b, err := os.ReadFile(file); err != nil || json.Unmarshal(b, &ct) != nil || ct.ID != id {
		ct = cachedTable{}
	}
	type keyRead struct {
		key string
		err error
	}
	var early chan keyRead
	if len(ct.Hosts) > 0 {
		early = make(chan keyRead, 1)
		ectx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			key, err := serversKey(ectx, shardsAt(c, ct.Hosts), src.Database, table)
			early <- keyRead{key, err}
		}()
	}
	db, name := clickhouse.String(src.Database), clickhouse.String(src.Table)
	def := "(SELECT concat(engine, ' ', toString(toUInt32(metadata_modification_time)), ' ', toString(cityHash64(create_table_query))) FROM system.tables WHERE database = " + db + " AND name = " + name + ")"
	r, err := c.InDatabase("system").Query(ctx, "SELECT "+clickhouse.HostColumns+", "+def+" FROM system.clusters WHERE cluster = "+clickhouse.String(src.Cluster)+" ORDER BY shard_num, replica_num")
	if err != nil {
		return nil, err
	}
	hosts, err := clickhouse.HostAddrsOf(c, r.Rows)
	if err != nil {
		return nil, err
	}
	tableKey := r.Rows[0][4]
	engine, _, _ := strings.Cut(tableKey, " ")
	if engine != "Distributed" {
		return nil, os.ErrNotExist
	}
	tableKey = c.Addr() + " " + tableKey
	var kr keyRead
	if early != nil && slices.Equal(hosts, ct.Hosts) {
		kr = <-early
	} else {
		kr.key, kr.err = serversKey(ctx, shardsAt(c, hosts), src.Database, table)
	}
	if kr.err != nil {
		return nil, kr.err
	}
	var t *clickhouse.Table
	if ct.Key == tableKey && ct.Engine == engine {
		t, _ = clickhouse.TableOf(src, c.Addr(), ct.Columns, ct.Engine)
	}
	if t == nil {
		if t, err = clickhouse.Describe(ctx, c); err != nil {
			return nil, err
		}
	}
	if t == nil || !t.ShardedByPerson {
		return nil, os.ErrNotExist
	}
	if ct.Key != tableKey || !slices.Equal(hosts, ct.Hosts) {
		storeJSON(file, cachedTable{ID: id, Key: tableKey, Engine: engine, Columns: t.Columns, Hosts: hosts})
	}
	t.Key, t.KeyRead, t.Hosts = kr.key, read, hosts
	return t, nil
}

// shardsAt are clients for one host of each shard of hosts, made from c.
func shardsAt(c *clickhouse.Client, hosts []clickhouse.HostAddr) []*clickhouse.Client {
	var out []*clickhouse.Client
	seen := map[string]bool{}
	for _, h := range clickhouse.HostsAt(c, hosts) {
		if !seen[h.Shard] {
			seen[h.Shard] = true
			out = append(out, h.Client)
		}
	}
	return out
}
