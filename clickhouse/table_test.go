package clickhouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
)

// Each layout's expressions read the same event model: person, time in
// milliseconds, event, and property texts as the local engine has them.
func TestDescribeLayouts(t *testing.T) {
	c := chtest.Get(t)
	db := c.NewDatabase(t)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE TABLE " + db + ".ph (uuid UUID, event String, distinct_id String, person_id UUID, timestamp DateTime, properties String) ENGINE = MergeTree ORDER BY timestamp",
		// PostHog writes a space after each colon; the second row's person
		// is unknown (the zero UUID).
		"INSERT INTO " + db + ".ph SELECT generateUUIDv4(), 'view', 'd1', toUUID('11111111-1111-1111-1111-111111111111'), toDateTime(1700000000), " +
			clickhouse.String(`{"plan": "it's \"pro\" \u00e9", "n": 12.50, "ok": true, "nested": {"plan": "inner"}, "q\"k": 1}`),
		"INSERT INTO " + db + ".ph SELECT generateUUIDv4(), 'buy', 'd2', toUUID('00000000-0000-0000-0000-000000000000'), toDateTime(1700000001), " +
			clickhouse.String(`{"other": "\"plan\": x"}`),
		"CREATE TABLE " + db + ".cols (uid String, name String, ts DateTime, country Nullable(String), price Float64) ENGINE = MergeTree ORDER BY ts",
		"INSERT INTO " + db + ".cols VALUES ('u1', 'view', toDateTime(1700000000), 'CN', 9.5), ('u2', 'buy', toDateTime(1700000001), NULL, 0)",
	} {
		if _, err := c.Exec(0, q); err != nil {
			t.Fatal(err)
		}
	}
	type want struct{ person, time, event, plan, hasPlan string }
	for _, tc := range []struct {
		query, key, keys string
		rows             []want
	}{
		{"table=ph&schema=posthog", "plan", "['plan','n','ok','nested','plan','q\\\\\"k'];['other']", []want{
			{"11111111-1111-1111-1111-111111111111", "1700000000000", "view", `it's "pro" é`, "1"},
			{"d2", "1700000001000", "buy", "", "0"},
		}},
		{"table=ph&schema=posthog", "n", "", []want{{"11111111-1111-1111-1111-111111111111", "1700000000000", "view", "12.50", "1"}, {"d2", "1700000001000", "buy", "", "0"}}},
		{"table=ph&schema=posthog", `q"k`, "", []want{{"11111111-1111-1111-1111-111111111111", "1700000000000", "view", "1", "1"}, {"d2", "1700000001000", "buy", "", "0"}}},
		{"table=cols&user=uid&event=name&time=ts", "country", "['country','price'];['price']", []want{{"u1", "1700000000000", "view", "CN", "1"}, {"u2", "1700000001000", "buy", "", "0"}}},
		{"table=cols&user=uid&event=name&time=ts", "price", "", []want{{"u1", "1700000000000", "view", "9.5", "1"}, {"u2", "1700000001000", "buy", "0", "1"}}},
		{"table=cols&user=uid&event=name&time=ts", "missing", "", []want{{"u1", "1700000000000", "view", "", "0"}, {"u2", "1700000001000", "buy", "", "0"}}},
	} {
		cl := open(t, c.URL(0, db, tc.query))
		tb, err := clickhouse.Describe(ctx, cl)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		value, present := tb.Prop(tc.key)
		r, err := cl.Query(ctx, "SELECT "+tb.Person+", "+tb.Time+", "+tb.Event+", "+value+", "+present+", "+tb.PropKeys()+" FROM "+tb.From+" WHERE "+tb.Where+" ORDER BY "+tb.Time)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		var keys []string
		for i, row := range r.Rows {
			got := want{row[0], row[1], row[2], row[3], row[4]}
			if i >= len(tc.rows) || got != tc.rows[i] {
				t.Errorf("%s, %s: row %d = %q", tc.query, tc.key, i, got)
			}
			keys = append(keys, row[5])
		}
		if tc.keys != "" && strings.Join(keys, ";") != tc.keys {
			t.Errorf("%s: keys %s, want %s", tc.query, strings.Join(keys, ";"), tc.keys)
		}
	}
}

func TestDescribeErrors(t *testing.T) {
	c := chtest.Get(t)
	db := c.NewDatabase(t)
	ctx := context.Background()
	if _, err := c.Exec(0, "CREATE TABLE "+db+".few (uid String, ts String) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	for q, text := range map[string]string{
		"table=nope":                            "has no table " + db + ".nope (copy a local database there with: spoor push --db FILE --to 'clickhouse://default@",
		"table=nope&schema=posthog":             "has no table " + db + ".nope (check the name)",
		"table=few":                             "has no column person, distinct_id, time, event, prop_keys, prop_values, id that a spoor push table has (its columns: uid, ts)",
		"table=few&schema=posthog":              "has no column event, distinct_id, timestamp, properties that a PostHog events table has",
		"table=few&user=uid&event=name&time=ts": "has no column name that a user=uid&event=name&time=ts table has",
		"table=few&user=uid&event=uid&time=ts":  "the time column ts is String",
	} {
		_, err := clickhouse.Describe(ctx, open(t, c.URL(0, db, q)))
		want(t, err, text)
	}
	_, err := clickhouse.Describe(ctx, open(t, c.URL(0, "no_such_db", "table=t")))
	want(t, err, "has no database no_such_db")
}
