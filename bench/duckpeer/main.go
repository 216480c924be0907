// Command duckpeer runs the DuckDB side of spoor's benchmark: it loads the
// same CSV into a DuckDB file and answers each analysis with the
// equivalent SQL, so bench/run.sh can time both as fresh processes.
// It needs cgo, which is why it lives in its own module.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	dbPath := flag.String("db", "duck.db", "DuckDB database file")
	csvPath := flag.String("csv", "", "load this CSV (columns user_id,event,time,...) into table events")
	q := flag.String("q", "", "query to run: funnel, retention, paths, trends")
	steps := flag.String("steps", "view_item,add_to_cart,begin_checkout,purchase", "funnel steps")
	from := flag.String("from", "view_item", "paths start event")
	flag.Parse()

	if *csvPath != "" {
		os.Remove(*dbPath)
		os.Remove(*dbPath + ".wal")
	}
	db, err := sql.Open("duckdb", *dbPath)
	if err != nil {
		fail(err)
	}
	defer db.Close()
	start := time.Now()
	if *csvPath != "" {
		_, err := db.Exec(`CREATE OR REPLACE TABLE events AS
			SELECT user_id::VARCHAR AS user_id, event::VARCHAR AS event, time::TIMESTAMP AS time
			FROM read_csv(?, header = true, auto_detect = true)`, *csvPath)
		if err != nil {
			fail(err)
		}
		if _, err := db.Exec("CHECKPOINT"); err != nil {
			fail(err)
		}
		var n int
		db.QueryRow("SELECT count(*) FROM events").Scan(&n)
		fmt.Printf("loaded %d events in %v\n", n, time.Since(start).Round(time.Millisecond))
		return
	}
	var query string
	switch *q {
	case "funnel":
		query = funnelSQL(strings.Split(*steps, ","), "7 days")
	case "retention":
		query = `WITH d AS (SELECT DISTINCT user_id, time::DATE AS day FROM events),
			f AS (SELECT user_id, min(day) AS cohort FROM d GROUP BY user_id)
			SELECT f.cohort, d.day - f.cohort AS k, count(*) AS users
			FROM d JOIN f USING (user_id) WHERE d.day - f.cohort BETWEEN 0 AND 30
			GROUP BY 1, 2 ORDER BY 1, 2`
	case "paths":
		query = fmt.Sprintf(`WITH r AS (SELECT user_id, event, row_number() OVER (PARTITION BY user_id ORDER BY time) AS rn FROM events),
			f AS (SELECT user_id, min(rn) AS rn0 FROM r WHERE event = '%s' GROUP BY user_id),
			p AS (SELECT r.user_id, string_agg(r.event, ' > ' ORDER BY r.rn) AS path
			      FROM r JOIN f ON r.user_id = f.user_id AND r.rn BETWEEN f.rn0 + 1 AND f.rn0 + 3 GROUP BY r.user_id)
			SELECT path, count(*) AS n FROM p GROUP BY path ORDER BY n DESC LIMIT 10`, *from)
	case "trends":
		query = `SELECT time::DATE AS day, count(*) AS events, count(DISTINCT user_id) AS users
			FROM events GROUP BY 1 ORDER BY 1`
	default:
		fail(fmt.Errorf("-q must be funnel, retention, paths or trends"))
	}
	rows, err := db.Query(query)
	if err != nil {
		fail(err)
	}
	cols, _ := rows.Columns()
	n := 0
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			fail(err)
		}
		if n < 5 {
			fmt.Println(vals...)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d rows in %v\n", *q, n, time.Since(start).Round(time.Millisecond))
}

// funnelSQL is an ordered funnel: from every step-1 event, ASOF joins take
// the earliest next step at or after the previous one; a user's level is
// the deepest step reached within the window over all step-1 events.
func funnelSQL(steps []string, window string) string {
	var b strings.Builder
	b.WriteString("WITH ")
	for i, s := range steps {
		fmt.Fprintf(&b, "s%d AS (SELECT user_id, time AS t FROM events WHERE event = '%s'),\n", i+1, s)
	}
	b.WriteString("j1 AS (SELECT user_id, t AS t1 FROM s1)")
	for i := 2; i <= len(steps); i++ {
		fmt.Fprintf(&b, ",\nj%d AS (SELECT j%d.*, s%d.t AS t%d FROM j%d ASOF LEFT JOIN s%d ON j%d.user_id = s%d.user_id AND s%d.t >= j%d.t%d)",
			i, i-1, i, i, i-1, i, i-1, i, i, i-1, i-1)
	}
	b.WriteString(",\nlv AS (SELECT user_id, max(CASE")
	for i := len(steps); i >= 2; i-- {
		fmt.Fprintf(&b, " WHEN t%d IS NOT NULL AND t%d <= t1 + INTERVAL %s THEN %d", i, i, window, i)
	}
	b.WriteString(" ELSE 1 END) AS lvl FROM j" + fmt.Sprint(len(steps)) + " GROUP BY user_id)\nSELECT ")
	for i := 1; i <= len(steps); i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "count(*) FILTER (WHERE lvl >= %d) AS step%d", i, i)
	}
	b.WriteString(" FROM lv")
	return b.String()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "duckpeer:", err)
	os.Exit(1)
}
