package chquery

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/query"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// backends holds one dataset three ways: in memory, on one server and on
// the two-shard cluster (a Distributed table sharded by person).
type backends struct {
	local           *query.Dataset
	single, sharded *Engine
}

var tableSeq atomic.Int64

const tableDDL = `(person String, distinct_id String, time Int64, event String,
	prop_keys Array(String), prop_values Array(String), id UInt64)
	ENGINE = MergeTree ORDER BY (person, time, id)`

// load writes raw events (their order is the storage order) into new
// tables of db and opens engines on them; loc is the display zone.
func load(t testing.TB, c *chtest.Cluster, db string, raw []query.RawEvent, loc *time.Location) *backends {
	t.Helper()
	name := fmt.Sprintf("ev%d", tableSeq.Add(1))
	// Each person's events go to one shard, as push sends them.
	var rows strings.Builder
	var shard [2]strings.Builder
	for i, e := range raw {
		var keys, vals []string
		for k := range e.Props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals = append(vals, e.Props[k])
		}
		b := clickhouse.AppendTSV(nil, e.User)
		b = append(b, '\t')
		b = clickhouse.AppendTSV(b, e.User)
		b = fmt.Appendf(b, "\t%d\t", e.Time)
		b = clickhouse.AppendTSV(b, e.Event)
		b = append(b, '\t')
		b = clickhouse.AppendTSVArray(b, keys)
		b = append(b, '\t')
		b = clickhouse.AppendTSVArray(b, vals)
		b = fmt.Appendf(b, "\t%d\n", i+1)
		rows.Write(b)
		shard[crc32.ChecksumIEEE([]byte(e.User))%2].Write(b)
	}
	exec := func(i int, q string) {
		t.Helper()
		if out, err := c.Exec(i, q); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	exec(0, "CREATE TABLE "+db+"."+name+"_one "+tableDDL)
	for i := range c.Servers {
		exec(i, "CREATE TABLE "+db+"."+name+"_local "+tableDDL)
	}
	exec(0, "CREATE TABLE "+db+"."+name+" AS "+db+"."+name+"_local ENGINE = Distributed("+chtest.ClusterName+", "+db+", "+name+"_local, cityHash64(person))")
	if len(raw) > 0 {
		exec(0, "INSERT INTO "+db+"."+name+"_one FORMAT TabSeparated\n"+rows.String())
		for i := range c.Servers {
			if shard[i].Len() > 0 {
				exec(i, "INSERT INTO "+db+"."+name+"_local FORMAT TabSeparated\n"+shard[i].String())
			}
		}
	}
	open := func(query string) *Engine {
		src, err := clickhouse.ParseURL(c.URL(0, db, query), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		cl := clickhouse.NewClient(src)
		tab, err := clickhouse.Describe(context.Background(), cl)
		if err != nil {
			t.Fatal(err)
		}
		return New(cl, tab, loc)
	}
	b := &backends{local: query.NewDataset(raw, loc), single: open("table=" + name + "_one"), sharded: open("table=" + name + "&cluster=" + chtest.ClusterName)}
	if !b.sharded.t.ShardedByPerson {
		t.Fatal("the Distributed table is not read as sharded by person")
	}
	return b
}
