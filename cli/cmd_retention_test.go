package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/query"
)

// rtGoldenDB imports a small fixed product timeline (three weeks of
// signups, opens and purchases, one Chinese event name) through the store.
func rtGoldenDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "rt.db", file: "golden.csv", events: timeline(t, "plan", `
u1 signup 2026-03-02T09:00 pro
u1 open   2026-03-03T10:00
u1 open   2026-03-05T10:00
u1 购买    2026-03-09T10:00
u2 signup 2026-03-02T14:00 free
u2 open   2026-03-04T10:00
u2 open   2026-03-12T10:00
u2 购买    2026-03-12T15:00
u3 signup 2026-03-03T10:00 free
u3 open   2026-03-03T11:00
u3 open   2026-03-10T10:00
u4 signup 2026-03-04T08:00 pro
u4 购买    2026-03-04T09:00
u4 open   2026-03-05T10:00
u4 open   2026-03-06T10:00
u4 open   2026-03-16T10:00
u5 open   2026-03-06T10:00
u5 signup 2026-03-09T10:00 free
u5 open   2026-03-11T10:00
u6 signup 2026-03-10T10:00 pro
u6 open   2026-03-17T10:00
u7 signup 2026-03-16T10:00 free
u7 open   2026-03-18T12:00
`)})
}

// rtGolden runs spoor with args and compares stdout with
// testdata/NAME.golden; SPOOR_UPDATE_GOLDEN=1 rewrites the file.
func rtGolden(t *testing.T, name string, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := Run(context.Background(), nil, args, nil, &out, &errb); code != 0 {
		t.Fatalf("spoor %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	file := filepath.Join("testdata", name+".golden")
	if os.Getenv("SPOOR_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with SPOOR_UPDATE_GOLDEN=1 to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("spoor %s:\n%s\nwant (%s):\n%s", strings.Join(args, " "), out.String(), file, want)
	}
}

func TestRetentionGolden(t *testing.T) {
	db := rtGoldenDB(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"retention_day", []string{"--periods", "8", "--format", "table"}},
		{"retention_signup_open_json", []string{"--start", "signup", "--return", "open", "--periods", "4", "--format", "json"}},
		{"retention_week_unbounded_csv", []string{"--period", "week", "--unbounded", "--format", "csv"}},
		{"retention_recurring_markdown", []string{"--recurring", "--period", "week", "--periods", "3", "--format", "markdown"}},
		{"retention_by_plan", []string{"--start", "signup", "--by", "plan", "--periods", "3", "--format", "table"}},
		{"retention_by_plan_week_json", []string{"--start", "signup", "--by", "plan", "--period", "week", "--periods", "2", "--format", "json"}},
		{"retention_users", []string{"--start", "signup", "--periods", "8", "--users", "2026-03-02:2", "--format", "csv"}},
		// Week 1 of the 2026-03-02 cohort: u1, u2 and u3 overall; the
		// free group's table counts u2 and u3.
		{"retention_users_group_json", []string{"--start", "signup", "--period", "week", "--periods", "2", "--by", "plan",
			"--users", "2026-03-02:1", "--group", "free", "--format", "json"}},
		{"retention_users_group", []string{"--start", "signup", "--period", "week", "--periods", "2", "--by", "plan",
			"--users", "2026-03-02:1", "--group", "pro", "--format", "table"}},
		{"retention_explain", []string{"--start", "signup", "--return", "open", "--periods", "8", "--explain", "u2", "--format", "table"}},
		// UTC+14 moves every event at or after 10:00 UTC to the next day.
		{"retention_tz_last_json", []string{"--tz", "Pacific/Kiritimati", "--last", "7d", "--periods", "3", "--format", "json"}},
		{"retention_week_where", []string{"--period", "week", "--start", "signup", "--where", "plan = pro", "--format", "table"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rtGolden(t, c.name, append([]string{"retention", "--db", db}, c.args...)...)
		})
	}
}

func TestLifecycleGolden(t *testing.T) {
	db := rtGoldenDB(t)
	rtGolden(t, "lifecycle_day", "lifecycle", "--db", db, "--format", "table")
	rtGolden(t, "lifecycle_week_json", "lifecycle", "--db", db, "--interval", "week", "--format", "json")
	rtGolden(t, "lifecycle_open_csv", "lifecycle", "--db", db, "--event", "open", "--from", "2026-03-09", "--format", "csv")
}

func TestRetentionCLIErrors(t *testing.T) {
	db := rtGoldenDB(t)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"retention", "--db", db, "--start", "sigup"}, 1, "signup"},
		{[]string{"retention", "--db", db, "--period", "year"}, 2, "use day, week or month"},
		{[]string{"retention", "--db", db, "--users", "2026-03-02"}, 2, "COHORT:PERIOD"},
		{[]string{"retention", "--db", db, "--users", "2027-01-01:1"}, 2, "no cohort"},
		{[]string{"retention", "--db", db, "--users", "2026-03-18:1"}, 2, "periods 0 to 0"},
		{[]string{"retention", "--db", db, "--explain", "nobody"}, 1, "unknown user"},
		{[]string{"retention", "--db", db, "--by", "plan", "--group", "pro"}, 2, "--group picks the --by group"},
		{[]string{"retention", "--db", db, "--users", "2026-03-02:1", "--group", "pro"}, 2, "--group picks the --by group"},
		{[]string{"retention", "--db", db, "--start", "signup", "--by", "plan", "--users", "2026-03-02:1", "--group", "Pro"}, 2,
			`--group: no group "Pro" in the breakdown by plan; the groups, largest first: "free", "pro"`},
		// An empty value is a group name too (a stored ""), not a missing flag.
		{[]string{"retention", "--db", db, "--by", "plan", "--users", "2026-03-02:1", "--group="}, 2, `no group "" in the breakdown`},
		{[]string{"retention", "--db", db, "--by", "plan", "--users", "2026-03-02:1", "--group", "Pro"}, 2,
			`the groups, largest first: "free", "pro", "(none)" (no plan on the start event)`},
		{[]string{"lifecycle", "--db", db, "--interval", "year"}, 2, "use day, week or month"},
		{[]string{"lifecycle", "--db", db, "--event", "opn"}, 1, "open"},
		{[]string{"lifecycle", "--db", filepath.Join(t.TempDir(), "none.db")}, 1, "spoor import"},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), nil, c.args, nil, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("spoor %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(c.args, " "), code, errb.String(), c.code, c.msg)
		}
	}
}

// TestRetentionGroupUsersMatchTable lists every cell of every --by group
// through the command and checks it against the count the same query's
// JSON breakdown shows for that cell.
func TestRetentionGroupUsersMatchTable(t *testing.T) {
	db := rtGoldenDB(t)
	base := []string{"retention", "--db", db, "--by", "plan", "--period", "week", "--periods", "3", "--format", "json"}
	run := func(args ...string) []byte {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Run(context.Background(), nil, append(slices.Clone(base), args...), nil, &out, &errb); code != 0 {
			t.Fatalf("spoor %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.Bytes()
	}
	var table query.RetentionResult
	if err := json.Unmarshal(run(), &table); err != nil {
		t.Fatal(err)
	}
	cells := 0
	for _, g := range table.Breakdown {
		for _, c := range g.Cohorts {
			for k, n := range c.Retained {
				var cell RetentionCell
				if err := json.Unmarshal(run("--users", fmt.Sprintf("%s:%d", c.Start, k), "--group", g.Value), &cell); err != nil {
					t.Fatal(err)
				}
				if len(cell.Users) != n || cell.Group == nil || *cell.Group != g.Value {
					t.Errorf("group %q cell %s:%d: %+v, table counts %d", g.Value, c.Start, k, cell, n)
				}
				cells++
			}
		}
	}
	if len(table.Breakdown) != 3 || cells == 0 {
		t.Fatalf("%d groups, %d cells: the fixture should have free, pro and (none)", len(table.Breakdown), cells)
	}
}
