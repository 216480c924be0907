package push

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/importers"
	"github.com/spoorhq/spoor/store"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var bg = context.Background()

// segmentLines writes n Segment-style events: anonymous ids a0..a9 until
// they sign up, users u0..u9, properties with characters to escape.
func segmentLines(r *rand.Rand, n int, day int, links bool) string {
	var b strings.Builder
	nasty := []string{"plain", `it's`, `back\slash`, "tab\there", "new\nline", `'; DROP TABLE x; --`, "ünï", `\N`}
	for i := 0; i < n; i++ {
		who := r.Intn(10)
		id := fmt.Sprintf(`"anonymousId":"a%d"`, who)
		if r.Intn(2) == 0 {
			id = fmt.Sprintf(`"userId":"u%d"`, who)
		}
		if links && who < 3 && r.Intn(3) == 0 {
			// a0..a2 sign up: an event with both ids links them.
			id = fmt.Sprintf(`"anonymousId":"a%d","userId":"u%d"`, who, who)
		}
		props := fmt.Sprintf(`{"plan":%q,"n":%d`, nasty[r.Intn(len(nasty))], r.Intn(5))
		if r.Intn(3) == 0 {
			props += `,"nested":{"x":[1,2]},"flag":true,"nothing":null`
		}
		props += "}"
		fmt.Fprintf(&b, `{%s,"type":"track","event":"e%d","timestamp":"2024-03-%02dT%02d:%02d:%02d.%03dZ","properties":%s}`+"\n",
			id, r.Intn(4), day, r.Intn(24), r.Intn(60), r.Intn(60), r.Intn(1000), props)
	}
	return b.String()
}

func importText(t *testing.T, db *store.DB, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := importers.ImportFile(bg, db, p, importers.Options{}); err != nil {
		t.Fatal(err)
	}
}

// localRows is what the table must hold: one line per event, by id, with
// its person's place in the local engine's lists (the stitched user's id).
func localRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	r, err := db.LoadRows(bg)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = db.EachProps(bg, r.Version, 0, func(row int, keys, values []string) error {
		u := r.User[row]
		out = append(out, fmt.Sprintf("%d|%s|%s|%d|%s|%q|%q|%d", row, r.Users[r.Canon[u]], r.Users[u], r.Time[row], r.Names[r.Event[row]], keys, values, r.Canon[u]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// serverRows is what the table holds, as localRows (the properties of the
// arrays and the property columns together, by key); order is SQL for the
// last column, person_order.
func serverRows(t *testing.T, c *clickhouse.Client, order string) []string {
	t.Helper()
	tab, err := clickhouse.Describe(bg, c)
	if err != nil {
		t.Fatal(err)
	}
	var cols, colKeys []string
	for _, col := range tab.Columns {
		if strings.HasPrefix(col.Name, "p_") {
			q := clickhouse.Ident(col.Name)
			cols, colKeys = append(cols, ", isNotNull("+q+"), ifNull("+q+", '')"), append(colKeys, col.Comment)
		}
	}
	res, err := c.Query(bg, "SELECT id, person, distinct_id, time, event, prop_keys, prop_values, "+order+strings.Join(cols, "")+" FROM "+clickhouse.Ident(c.Source().Table)+" ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, row := range res.Rows {
		keys, err1 := clickhouse.ParseArray(row[5])
		values, err2 := clickhouse.ParseArray(row[6])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		props := map[string]string{}
		for i, k := range keys {
			props[k] = values[i]
		}
		for i, k := range colKeys {
			if row[8+2*i] == "1" {
				if _, dup := props[k]; dup {
					t.Fatalf("event %s has %q in the arrays and in its column", row[0], k)
				}
				props[k] = row[9+2*i]
			}
		}
		keys, values = []string{}, []string{}
		for _, k := range slices.Sorted(maps.Keys(props)) {
			keys, values = append(keys, k), append(values, props[k])
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%q|%q|%s", row[0], row[1], row[2], row[3], row[4], keys, values, row[7]))
	}
	return out
}

func sameRows(t *testing.T, what string, db *store.DB, c *clickhouse.Client) {
	t.Helper()
	want, got := localRows(t, db), serverRows(t, c, "person_order")
	if !slices.Equal(want, got) {
		t.Errorf("%s: the server holds %d events, the local database %d", what, len(got), len(want))
		for i := 0; i < len(want) && i < len(got); i++ {
			if want[i] != got[i] {
				t.Errorf("first difference at %d:\nlocal  %s\nserver %s", i, want[i], got[i])
				break
			}
		}
	}
}

func newClient(t *testing.T, raw string) *clickhouse.Client {
	t.Helper()
	src, err := clickhouse.ParseURL(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return clickhouse.NewClient(src)
}

// pushTarget makes a new ClickHouse database with its client (on the
// 2-shard cluster when cluster) and an empty local database in a temp
// folder, closed when the test ends.
func pushTarget(t *testing.T, c *chtest.Cluster, cluster bool) (*clickhouse.Client, *store.DB, string) {
	t.Helper()
	q := "table=events"
	if cluster {
		q += "&cluster=" + chtest.ClusterName
	}
	cl := newClient(t, c.URL(0, c.NewDatabase(t), q))
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return cl, db, dir
}

func TestPushIdempotentAndIncremental(t *testing.T) {
	c := chtest.Get(t)
	for _, cluster := range []bool{false, true} {
		t.Run(map[bool]string{false: "one server", true: "two shards"}[cluster], func(t *testing.T) {
			cl, db, dir := pushTarget(t, c, cluster)
			dbName := cl.Source().Database
			r := rand.New(rand.NewSource(1))
			importText(t, db, dir, "1.jsonl", segmentLines(r, 700, 1, false))

			opt := Options{Batch: 128}
			res, err := Push(bg, db, cl, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Created || res.Sent != res.Events || res.Events == 0 {
				t.Errorf("first push: %+v", res)
			}
			sameRows(t, "first push", db, cl)

			res, err = Push(bg, db, cl, opt)
			if err != nil || res.Sent != 0 || res.Created || res.Restitched != 0 {
				t.Errorf("second push sent something: %+v %v", res, err)
			}
			sameRows(t, "second push", db, cl)

			// A second import: new events, and a0..a2 sign up, which
			// restitches their earlier events.
			before := res.Events
			importText(t, db, dir, "2.jsonl", segmentLines(r, 300, 2, true))
			res, err = Push(bg, db, cl, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != res.Events-before || res.Restitched == 0 {
				t.Errorf("incremental push: %+v (before: %d events)", res, before)
			}
			t.Logf("incremental push: %+v", res)
			sameRows(t, "incremental push", db, cl)

			// An interrupted push: the last INSERT landed but its watermark
			// was not written, and the one before did not land at all.
			meta := clickhouse.Ident(dbName) + "." + clickhouse.Ident("events"+MetaSuffix)
			w := res.Events - 100
			lost := res.Events - 60
			if _, err := c.Exec(0, fmt.Sprintf("INSERT INTO %s SELECT max(seq)+1, %d, argMax(users, seq), argMax(stitch, seq), argMax(source, seq), now() FROM %s", meta, w, meta)); err != nil {
				t.Fatal(err)
			}
			deleteFrom(t, c, dbName, cluster, fmt.Sprintf("id >= %d AND id < %d", w, lost))
			res, err = Push(bg, db, cl, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != lost-w {
				t.Errorf("resumed push sent %d events, want the %d that were lost", res.Sent, lost-w)
			}
			sameRows(t, "resumed push", db, cl)

			// Interrupted again, past the watermark, and then an import
			// links a5 (whose events are on both sides of it) to u5.
			w = res.Events - 30
			if _, err := c.Exec(0, fmt.Sprintf("INSERT INTO %s SELECT max(seq)+1, %d, argMax(users, seq), argMax(stitch, seq), argMax(source, seq), now() FROM %s", meta, w, meta)); err != nil {
				t.Fatal(err)
			}
			importText(t, db, dir, "3.jsonl", `{"anonymousId":"a5","userId":"u5","type":"track","event":"signup","timestamp":"2024-03-03T00:00:00Z"}`+"\n")
			res, err = Push(bg, db, cl, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != 1 || res.Restitched == 0 {
				t.Errorf("push after a relinking import: %+v", res)
			}
			sameRows(t, "relinked after an interruption", db, cl)

			if cluster {
				// Each server holds some events and each person sits on one.
				var total int
				persons := map[string]int{}
				for i := range c.Servers {
					out, err := c.Exec(i, "SELECT DISTINCT person FROM "+dbName+".events_local")
					if err != nil {
						t.Fatal(err)
					}
					n := 0
					for _, p := range strings.Fields(out) {
						persons[p]++
						n++
					}
					if n == 0 {
						t.Errorf("server %d holds no person", i)
					}
					total += n
				}
				for p, n := range persons {
					if n > 1 {
						t.Errorf("person %s is on %d shards", p, n)
					}
				}
			}
		})
	}
}

// deleteFrom deletes rows on the server(s) behind the test's back.
func deleteFrom(t *testing.T, c *chtest.Cluster, db string, cluster bool, cond string) {
	t.Helper()
	servers, table := []int{0}, db+".events"
	if cluster {
		servers, table = []int{0, 1}, db+".events_local"
	}
	for _, i := range servers {
		if _, err := c.Exec(i, "ALTER TABLE "+table+" DELETE WHERE "+cond); err != nil {
			t.Fatal(err)
		}
		for {
			out, err := c.Exec(i, "SELECT count() FROM system.mutations WHERE is_done = 0")
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) == "0" {
				break
			}
		}
	}
}

func TestPushRefusesForeignTables(t *testing.T) {
	c := chtest.Get(t)
	dbName := c.NewDatabase(t)
	dir := t.TempDir()
	open := func(name string) *store.DB {
		db, err := store.Open(filepath.Join(dir, name), store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		importText(t, db, dir, name+".jsonl", segmentLines(rand.New(rand.NewSource(int64(len(name)))), 50, 1, false))
		return db
	}
	a, b := open("a.db"), open("bb.db")
	cl := newClient(t, c.URL(0, dbName, "table=events"))
	if _, err := Push(bg, a, cl, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Push(bg, b, cl, Options{}); err == nil || !strings.Contains(err.Error(), "pushed from another spoor database") {
		t.Errorf("pushing a second database to the table: %v", err)
	}
	if _, err := c.Exec(0, "CREATE TABLE "+dbName+".other (person String, distinct_id String, time Int64, event String, prop_keys Array(String), prop_values Array(String), id UInt64) ENGINE = MergeTree ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(0, "INSERT INTO "+dbName+".other (id) VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := Push(bg, a, newClient(t, c.URL(0, dbName, "table=other")), Options{}); err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Errorf("pushing into a table of someone else's: %v", err)
	}
}

// segmentDB is a fresh database holding n random Segment events (one
// stitched person per anonymous id) drawn from seed.
func segmentDB(t *testing.T, seed int64, n int) *store.DB {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	importText(t, db, dir, "1.jsonl", segmentLines(rand.New(rand.NewSource(seed)), n, 1, true))
	return db
}

// A push cancelled part way (Ctrl-C) leaves what it sent; the next push
// sends the rest, nothing twice.
func TestPushCancelledResumes(t *testing.T) {
	c := chtest.Get(t)
	dbName := c.NewDatabase(t)
	db := segmentDB(t, 9, 500)
	cl := newClient(t, c.URL(1, dbName, "table=events&cluster="+chtest.ClusterName))
	ctx, cancel := context.WithCancel(bg)
	_, err := Push(ctx, db, cl, Options{Batch: 100, Progress: func(done, total int64) {
		if done >= 200 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the cancelled push succeeded")
	}
	res, err := Push(bg, db, cl, Options{Batch: 100})
	if err != nil || res.Sent != 300 {
		t.Errorf("resumed: %+v %v", res, err)
	}
	sameRows(t, "after a cancelled push", db, cl)
}

func TestPushEmptyDatabase(t *testing.T) {
	c := chtest.Get(t)
	db, err := store.Open(filepath.Join(t.TempDir(), "empty.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Push(bg, db, newClient(t, c.URL(0, "default", "table=never")), Options{})
	if err == nil || !strings.Contains(err.Error(), "has no events to push: import a file into it first") {
		t.Errorf("pushing an empty database: %v", err)
	}
	if out, _ := c.Exec(0, "EXISTS TABLE default.never"); strings.TrimSpace(out) != "0" {
		t.Errorf("pushing an empty database created the table")
	}
}

// A table made by a spoor before person_order (its layout then) is still
// pushed to, with every other column; its user lists come in person order
// (clickhouse.Table.Order is empty).
func TestPushToTableWithoutPersonOrder(t *testing.T) {
	c := chtest.Get(t)
	dbName := c.NewDatabase(t)
	db := segmentDB(t, 4, 200)
	if _, err := c.Exec(0, "CREATE TABLE "+dbName+".old (person String, distinct_id String, time Int64, event String, prop_keys Array(String), prop_values Array(String), id UInt64) ENGINE = MergeTree ORDER BY (person, time, id)"); err != nil {
		t.Fatal(err)
	}
	cl := newClient(t, c.URL(0, dbName, "table=old"))
	res, err := Push(bg, db, cl, Options{Batch: 64})
	if err != nil || res.Sent != res.Events || res.Created {
		t.Fatalf("push to a table of the earlier layout: %+v %v", res, err)
	}
	want := localRows(t, db)
	for i, w := range want {
		want[i] = w[:strings.LastIndexByte(w, '|')+1]
	}
	if got := serverRows(t, cl, "''"); !slices.Equal(got, want) {
		t.Fatalf("the table holds %d events, want %d:\n%q\n%q", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
	}
	tab, err := clickhouse.Describe(bg, cl)
	if err != nil || tab.Order != "" {
		t.Fatalf("Describe: order %q, %v", tab.Order, err)
	}
}

// Property keys get columns of their own, the most common first, while the
// table has fewer than maxPropColumns, also when an incremental push
// brings new keys (names with any characters among them); a key without a
// column stays in the arrays for good, so none is split between the two.
func TestPushPropertyColumns(t *testing.T) {
	c := chtest.Get(t)
	defer func(n int) { maxPropColumns = n }(maxPropColumns)
	maxPropColumns = 4
	long := strings.Repeat("长", 60) // too long to name a file after
	odd := "a.b`\\#'\n"
	for _, cluster := range []bool{false, true} {
		t.Run(map[bool]string{false: "one server", true: "two shards"}[cluster], func(t *testing.T) {
			cl, db, dir := pushTarget(t, c, cluster)
			lines := func(day int, props ...string) string {
				var b strings.Builder
				for i := 0; i < 40; i++ {
					p := map[string]any{}
					for j, k := range props {
						if (i+j)%3 != 0 {
							p[k] = fmt.Sprintf("v%d", i%5)
						}
					}
					js, _ := json.Marshal(map[string]any{"userId": fmt.Sprintf("u%d", i%7), "event": "e", "type": "track", "timestamp": fmt.Sprintf("2024-03-%02dT00:00:%02dZ", day, i), "properties": p})
					b.Write(append(js, '\n'))
				}
				return b.String()
			}
			columns := func(want ...string) {
				t.Helper()
				tab, err := clickhouse.Describe(bg, cl)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(want)
				if got := tab.PropColumnKeys(); !slices.Equal(got, want) {
					t.Errorf("property columns %q, want %q", got, want)
				}
			}
			push := func(what string) {
				t.Helper()
				if _, err := Push(bg, db, cl, Options{Batch: 30}); err != nil {
					t.Fatal(err)
				}
				sameRows(t, what, db, cl)
			}
			importText(t, db, dir, "1.jsonl", lines(1, "plan", "n"))
			push("first push")
			columns("plan", "n")
			importText(t, db, dir, "2.jsonl", lines(2, "plan", "国家", odd, long))
			push("new keys")
			columns("plan", "n", "国家", odd)
			tab, _ := clickhouse.Describe(bg, cl)
			if col, _ := tab.PropColumn("国家"); col.Name != "p_国家" {
				t.Errorf("the column of 国家 is %q", col.Name)
			}
			if col, _ := tab.PropColumn(odd); !strings.HasPrefix(col.Name, "p_#") {
				t.Errorf("the column of %q is %q", odd, col.Name)
			}
			importText(t, db, dir, "3.jsonl", lines(3, long, "z", "n"))
			push("a full table")
			columns("plan", "n", "国家", odd)
		})
	}
}
