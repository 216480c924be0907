package push

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/store"
)

// target is where a push writes: the table (or, with a cluster, the
// Distributed table and the local table on every host) and the watermark
// table.
type target struct {
	c       *clickhouse.Client // the URL's server, with insert settings
	dist    string             // the table inserted into and read: `db`.`t`
	local   string             // with a cluster, `db`.`t_local` on every host
	meta    string             // `db`.`t_spoor_push`, on the URL's server
	hosts   []clickhouse.Host
	created bool
	// order: the table has person_order (one made by an older spoor has
	// not: its persons' lists come in name order, see package clickhouse).
	order bool
	// props are the keys whose values go to property columns, in the
	// INSERT's order, and column each one's place there; empty for a
	// table made by an older spoor (its properties all go to the arrays).
	props  []string
	column map[string]int
}

// MetaSuffix names the watermark table beside the events table.
const MetaSuffix = "_spoor_push"

// prepare creates what is missing: the database, the events table(s) and
// the watermark table.
func prepare(ctx context.Context, c *clickhouse.Client) (*target, error) {
	src := c.Source()
	db := clickhouse.Ident(src.Database)
	t := &target{
		c:    c.With(clickhouse.Settings{"insert_distributed_sync": "1"}),
		dist: db + "." + clickhouse.Ident(src.Table),
		meta: db + "." + clickhouse.Ident(src.Table+MetaSuffix),
	}
	exists, err := tableExists(ctx, c, src.Table)
	if err != nil {
		return nil, err
	}
	if src.Cluster == "" {
		t.hosts = []clickhouse.Host{{Client: c}}
		if err := c.InDatabase("system").Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
			return nil, err
		}
		if !exists {
			if err := c.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+t.dist+" "+tableDDL); err != nil {
				return nil, err
			}
			t.created = true
		}
	} else {
		t.local = db + "." + clickhouse.Ident(src.Table+clickhouse.LocalSuffix)
		if t.hosts, err = clickhouse.Hosts(ctx, c); err != nil {
			return nil, err
		}
		for _, h := range t.hosts {
			if err := h.InDatabase("system").Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
				return nil, err
			}
			if err := h.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+t.local+" "+tableDDL); err != nil {
				return nil, err
			}
		}
		if !exists {
			// Each person's events on one shard, so per-person work runs
			// on each shard alone.
			q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s ENGINE = Distributed(%s, %s, %s, cityHash64(person))",
				t.dist, t.local, clickhouse.Ident(src.Cluster), db, clickhouse.Ident(src.Table+clickhouse.LocalSuffix))
			if err := c.Exec(ctx, q); err != nil {
				return nil, err
			}
			t.created = true
		}
	}
	if t.order, err = hasColumn(ctx, c, src.Table, "person_order"); err != nil {
		return nil, err
	}
	err = c.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+t.meta+` (
	seq    UInt64,
	pushed UInt64,
	users  UInt64,
	stitch UInt64,
	source String,
	at     DateTime
) ENGINE = MergeTree ORDER BY seq`)
	return t, err
}

func tableExists(ctx context.Context, c *clickhouse.Client, table string) (bool, error) {
	r, err := c.InDatabase("system").Query(ctx, "SELECT count() FROM system.tables WHERE database = "+clickhouse.String(c.Source().Database)+" AND name = "+clickhouse.String(table))
	if err != nil {
		return false, err
	}
	return r.Rows[0][0] != "0", nil
}

// hasColumn reports whether the source database's table has column.
func hasColumn(ctx context.Context, c *clickhouse.Client, table, column string) (bool, error) {
	r, err := c.InDatabase("system").Query(ctx, "SELECT count() FROM system.columns WHERE database = "+clickhouse.String(c.Source().Database)+" AND table = "+clickhouse.String(table)+" AND name = "+clickhouse.String(column))
	if err != nil {
		return false, err
	}
	return r.Rows[0][0] != "0", nil
}

// propColumns gives the database's property keys columns of their own, the
// most common first, while the table has fewer than maxPropColumns; the
// other keys stay in the arrays. A key's events are never split between a
// column and the arrays: a table short of the limit has a column for every
// key pushed to it, so a key that gets one now has no events there yet,
// and a full table gets no more. The columns
// are added on every shard's table before the Distributed table (so it
// never names a column a shard lacks) and before any event is sent; a
// push interrupted in between adds what is missing the next time.
func (t *target) propColumns(ctx context.Context, db *store.DB) error {
	src := t.c.Source()
	onDist, marked, err := propColumnsOf(ctx, t.c, src.Table)
	if err != nil || !marked {
		return err
	}
	type table struct {
		c    *clickhouse.Client
		name string
		keys map[string]bool // its property columns
	}
	var tables []table
	want := maps.Clone(onDist)
	if t.local != "" {
		for _, h := range t.hosts {
			keys, _, err := propColumnsOf(ctx, h.Client, src.Table+clickhouse.LocalSuffix)
			if err != nil {
				return err
			}
			maps.Copy(want, keys)
			tables = append(tables, table{h.Client, t.local, keys})
		}
	}
	tables = append(tables, table{t.c, t.dist, onDist})
	if len(want) < maxPropColumns {
		keys, _, err := db.PropKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if len(want) == maxPropColumns {
				break
			}
			want[k] = true
		}
	}
	t.props = slices.Sorted(maps.Keys(want))
	for _, tab := range tables {
		var add []string
		for _, k := range t.props {
			if !tab.keys[k] {
				add = append(add, clickhouse.AddPropColumn(k))
			}
		}
		if len(add) > 0 {
			if err := tab.c.Exec(ctx, "ALTER TABLE "+tab.name+" "+strings.Join(add, ", ")); err != nil {
				return err
			}
		}
	}
	t.column = make(map[string]int, len(t.props))
	for i, k := range t.props {
		t.column[k] = i
	}
	return nil
}

// maxPropColumns bounds the property columns of a table: each is a few
// files in every part on the server.
var maxPropColumns = 100

// propColumnsOf reads the keys of a table's property columns, and whether
// it has push's layout with property columns (clickhouse.PropKeysComment).
func propColumnsOf(ctx context.Context, c *clickhouse.Client, table string) (map[string]bool, bool, error) {
	r, err := c.InDatabase("system").Query(ctx, "SELECT name, comment FROM system.columns WHERE database = "+clickhouse.String(c.Source().Database)+" AND table = "+clickhouse.String(table))
	if err != nil {
		return nil, false, err
	}
	keys, marked := map[string]bool{}, false
	for _, row := range r.Rows {
		switch {
		case row[0] == "prop_keys":
			marked = row[1] == clickhouse.PropKeysComment
		case strings.HasPrefix(row[0], "p_"):
			keys[row[1]] = true
		}
	}
	return keys, marked, nil
}

// delete removes the events matching cond from the table on every host
// and waits until the deletion is done (a mutation runs in the background).
func (t *target) delete(ctx context.Context, cond string) error {
	table, name := t.dist, t.c.Source().Table
	if t.local != "" {
		table, name = t.local, name+clickhouse.LocalSuffix
	}
	for _, h := range t.hosts {
		// The condition lists distinct ids: allow a long statement.
		big := h.With(clickhouse.Settings{"max_query_size": strconv.Itoa(len(cond) + 4096)})
		if err := big.Exec(ctx, "ALTER TABLE "+table+" DELETE WHERE "+cond); err != nil {
			return err
		}
		for {
			r, err := h.Query(ctx, "SELECT count() FROM system.mutations WHERE database = "+clickhouse.String(h.Source().Database)+" AND table = "+clickhouse.String(name)+" AND is_done = 0")
			if err != nil {
				return err
			}
			if r.Rows[0][0] == "0" {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
