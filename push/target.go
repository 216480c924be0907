package push

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
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
