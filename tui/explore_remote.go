package tui

import (
	"context"
	"sort"
	"time"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/query"
)

// remoteRunner is the Explore tab on a ClickHouse table: the event list
// and the property keys are counted on the server (chquery), typed SQL
// goes to it read-only (the sequence view is sequenceRunner's, on either
// backend).
func (e *explore) remoteRunner(sh *shared) (func(ctx context.Context, d *query.Dataset) (result, error), error) {
	rem := sh.remote
	switch e.Show {
	case "sql":
		q := e.SQL
		return func(ctx context.Context, d *query.Dataset) (result, error) {
			return remoteSQL(ctx, clickhouse.NewClient(rem.src), q)
		}, nil
	}
	return func(ctx context.Context, d *query.Dataset) (result, error) {
		stats, err := rem.eng.EventStats(ctx)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(stats, func(i, j int) bool { return stats[i].Events > stats[j].Events })
		return eventsList(stats, time.UTC, rem.eng.UsersWhoDid), nil // the table's display zone
	}, nil
}

// remoteSQL runs typed SQL on the server, read-only, keeping what the SQL
// box keeps of a local query's rows.
func remoteSQL(ctx context.Context, c *clickhouse.Client, q string) (result, error) {
	rows := newSQLRows(q)
	return rows.done(c.ReadOnly(ctx, q, sqlMaxRows, func(names, _ []string) error { return rows.columns(names) }, func(row []string) error {
		for i, v := range row {
			if v == `\N` {
				row[i] = "NULL"
			}
		}
		return rows.add(row)
	}))
}
