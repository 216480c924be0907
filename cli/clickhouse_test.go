package cli

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// localAndClickHouse is what each ClickHouse cross-check opens first: the
// CSV text imported into a local database in dir, and the URLs of a table
// on one server and of one on the two-shard cluster (asked through its
// other server) in a new database, for the test to push to.
func localAndClickHouse(t *testing.T, dir, csv string) (db string, urls []string) {
	t.Helper()
	c := chtest.Get(t)
	db = filepath.Join(dir, "local.db")
	path := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "import", "--db", db, path); code != 0 {
		t.Fatal(stderr)
	}
	name := c.NewDatabase(t)
	return db, []string{c.URL(0, name, "table=one"), c.URL(1, name, "table=two&cluster="+chtest.ClusterName)}
}

// The exploring commands answer the same on a pushed ClickHouse table, on
// one server and on the two-shard cluster, as on the local database.
func TestClickHouseCommandsMatchLocal(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,time,plan,note\n")
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&b, "u%d,e%d,2024-03-%02dT%02d:00:%02d.%03dZ,%s,\"it's \"\"q\"\" \\\\ %d\"\n", r.Intn(30), r.Intn(5), 1+r.Intn(9), r.Intn(24), r.Intn(60), r.Intn(1000), []string{"free", "pro", "'; DROP TABLE events; --"}[r.Intn(3)], r.Intn(3))
	}
	db, urls := localAndClickHouse(t, t.TempDir(), b.String())
	for _, url := range urls {
		code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url)
		if code != 0 || !strings.Contains(out, "created the table and pushed 400 new events") {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
		code, out, _ = runCLI(t, "", "push", "--db", db, "--to", url)
		if code != 0 || !strings.Contains(out, "pushed 0 new events") {
			t.Errorf("second push: %s", out)
		}
		for _, args := range [][]string{
			{"events", "--format", "json"},
			{"props", "--format", "json"},
			{"props", "e1", "--top", "0", "--format", "json"},
			{"user", "u7", "--format", "json", "--tz", "Asia/Shanghai"},
			{"sql", "SELECT count() AS n FROM " + strings.SplitN(strings.SplitN(url, "table=", 2)[1], "&", 2)[0], "--format", "json"},
		} {
			lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
			if args[0] == "sql" {
				local, lc = "{\n  \"columns\": [\n    \"n\"\n  ],\n  \"rows\": [\n    [\n      400\n    ]\n  ]\n}\n", 0
			}
			cc, remote, cerr := runCLI(t, "", append(args, "--db", url)...)
			if lc != 0 || cc != 0 || local != remote {
				t.Errorf("%s on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s", args, url, lc, local, lerr, cc, remote, cerr)
			}
		}
		_, local, _ := runCLI(t, "", "info", "--db", db, "--format", "json")
		_, remote, _ := runCLI(t, "", "info", "--db", url, "--format", "json")
		src, _ := clickhouse.ParseURL(url, nil)
		if strings.Replace(local, `"`+db+`"`, `"`+src.String()+`"`, 1) != remote {
			t.Errorf("info:\n%s\n%s", local, remote)
		}
		// spoor sql sends only what reads, and the server refuses
		// anything else with readonly=1.
		for q, msg := range map[string]string{
			"DROP TABLE " + src.Database + ".one":                        "DROP is not sent",
			"/* x */ -- y\n kill query where 1":                          "KILL is not sent",
			"SELECT 1; DROP TABLE " + src.Database + ".one":              "Multi-statements are not allowed",
			"SELECT * FROM file('x', 'CSV', 'a String')":                 "Table functions are forbidden in readonly mode",
			"WITH 1 AS x SELECT x FROM system.one SETTINGS readonly = 0": "readonly",
		} {
			code, _, stderr = runCLI(t, "", "sql", "--db", url, q)
			if code != 1 || !strings.Contains(stderr, msg) {
				t.Errorf("%s: %d %s", q, code, stderr)
			}
		}
	}
	src, _ := clickhouse.ParseURL(urls[0], nil)
	if out, _ := chtest.Get(t).Exec(0, "SELECT count() FROM "+src.Database+".one"); strings.TrimSpace(out) != "400" {
		t.Errorf("after the refused DROP: %q", out)
	}
}

// A password is never printed: not in errors, not in spoor info.
func TestClickHousePasswordNeverPrinted(t *testing.T) {
	c := chtest.Get(t)
	name := c.NewDatabase(t)
	if _, err := c.Exec(0, "CREATE TABLE "+name+".t (person String, distinct_id String, time Int64, event String, prop_keys Array(String), prop_values Array(String), id UInt64) ENGINE = MergeTree ORDER BY (person, time, id)"); err != nil {
		t.Fatal(err)
	}
	good := c.PasswordURL(0, name, "table=t")
	bad := strings.Replace(good, "%25@", "wrongHunter2@", 1)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no saved segments for the table
	for _, tc := range []struct {
		args []string
		env  string
		code int
		want string
	}{
		{[]string{"info", "--db", good}, "", 0, "clickhouse://spoor:***@"},
		{[]string{"info", "--db", bad}, "", 1, `refused user "spoor": wrong user name or password`},
		{[]string{"events", "--db", bad}, "", 1, `refused user "spoor"`},
		{[]string{"info", "--db", strings.Replace(bad, "/"+name, ":notaport/"+name, 1)}, "", 2, "the port is not a number"},
		{[]string{"info", "--db", "clickhouse://" + chtest.User + "@" + c.Servers[0].HTTPAddr() + "/" + name + "?table=t"}, chtest.Password, 0, "clickhouse://spoor:***@"},
		{[]string{"info", "--db", "clickhouse://" + chtest.User + "@" + c.Servers[0].HTTPAddr() + "/" + name + "?table=t"}, "wrongHunter2", 1, "wrong user name or password"},
		{[]string{"survival", "--start", "view", "--event", "buy", "--db", good}, "", 1, "does not run on ClickHouse yet: --db names the table clickhouse://spoor:***@"},
		{[]string{"trends", "--segment", "nope", "--db", good}, "", 1, "the segments of clickhouse://spoor:***@"},
		{[]string{"info", "--db", c.URL(0, name, "table=missing")}, "", 1, "has no table " + name + ".missing (copy a local database there with: spoor push"},
	} {
		t.Setenv(clickhouse.PasswordEnv, tc.env)
		code, out, stderr := runCLI(t, "", tc.args...)
		all := out + stderr
		if code != tc.code || !strings.Contains(all, tc.want) {
			t.Errorf("%s: exit %d, want %d saying %q:\n%s", tc.args, code, tc.code, tc.want, all)
		}
		for _, secret := range []string{"wrongHunter2", chtest.Password, url0Escaped(chtest.Password)} {
			if strings.Contains(all, secret) {
				t.Errorf("%s printed the password:\n%s", tc.args, all)
			}
		}
	}
}

func url0Escaped(s string) string { return strings.ReplaceAll(s, "%", "%25") }

// spoor import --db clickhouse://... imports through a local copy kept for
// the table and pushes: importing a file again adds nothing, a new file
// exactly its events.
func TestImportIntoClickHouse(t *testing.T) {
	c := chtest.Get(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	name := c.NewDatabase(t)
	url := c.URL(0, name, "table=ev&cluster="+chtest.ClusterName)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("user_id,event,time\nu1,view,2024-01-01\nu2,view,2024-01-02\nu1,buy,2024-01-03\n"), 0o644)
	os.WriteFile(b, []byte("user_id,event,time\nu3,view,2024-01-04\nu1,view,2024-01-01\n"), 0o644)
	count := func() string {
		out, err := c.Exec(0, "SELECT count() FROM "+name+".ev")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	for _, step := range []struct {
		file, stdout, count string
	}{
		{a, "created the table and pushed 3 new events", "3"},
		{a, "pushed 0 new events", "3"},
		{b, "pushed 1 new events", "4"}, // u1's view of 2024-01-01 is a duplicate
	} {
		code, out, stderr := runCLI(t, "", "import", "--db", url, step.file)
		if code != 0 || !strings.Contains(out, step.stdout) || !strings.Contains(stderr, "importing into the local copy") || count() != step.count {
			t.Errorf("import %s: exit %d, %s events on the server (want %s)\n%s%s", step.file, code, count(), step.count, out, stderr)
		}
	}
}

// The exploring commands read a PostHog events table and a table named
// by its columns.
func TestClickHouseExistingTables(t *testing.T) {
	c := chtest.Get(t)
	name := c.NewDatabase(t)
	const p1 = "11111111-1111-1111-1111-111111111111"
	for _, q := range []string{
		"CREATE TABLE " + name + ".ph (uuid UUID, event String, distinct_id String, person_id UUID, timestamp DateTime, properties String) ENGINE = MergeTree ORDER BY timestamp",
		"INSERT INTO " + name + ".ph SELECT generateUUIDv4(), 'view', 'd1', toUUID('" + p1 + "'), toDateTime(1700000000), " + clickhouse.String(`{"plan": "pro", "n": 1}`),
		"INSERT INTO " + name + ".ph SELECT generateUUIDv4(), 'buy', 'd2', toUUID('" + p1 + "'), toDateTime(1700000100), " + clickhouse.String(`{"plan": "free"}`),
		"INSERT INTO " + name + ".ph SELECT generateUUIDv4(), 'view', 'd3', toUUID('00000000-0000-0000-0000-000000000000'), toDateTime(1700000200), '{}'",
		"CREATE TABLE " + name + ".cols (uid String, name String, ts Int64, plan Nullable(String)) ENGINE = MergeTree ORDER BY ts",
		"INSERT INTO " + name + ".cols VALUES ('d1', 'view', 1700000000000, 'pro'), ('d1', 'buy', 1700000100000, 'free'), ('d3', 'view', 1700000200000, NULL)",
	} {
		if _, err := c.Exec(0, q); err != nil {
			t.Fatal(err)
		}
	}
	ph, cols := c.URL(0, name, "table=ph&schema=posthog"), c.URL(0, name, "table=cols&user=uid&event=name&time=ts")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"info", "--db", ph}, "events,3\nusers,2\nevent names,2\nfirst seen,2023-11-14T22:13:20Z\nlast seen,2023-11-14T22:16:40Z\n"},
		{[]string{"events", "--db", ph}, "view,2,2,2023-11-14T22:13:20Z,2023-11-14T22:16:40Z\nbuy,1,1,2023-11-14T22:15:00Z,2023-11-14T22:15:00Z\n"},
		{[]string{"props", "--db", ph}, "plan,2,66.7%,2,\"free (1), pro (1)\"\nn,1,33.3%,1,1 (1)\n"},
		{[]string{"props", "view", "--db", ph}, "n,1,50.0%,1,1 (1)\nplan,1,50.0%,1,pro (1)\n"},
		{[]string{"user", "d2", "--db", ph}, "time,event,id,properties\n2023-11-14T22:13:20.000Z,view,d1,n=1 plan=pro\n2023-11-14T22:15:00.000Z,buy,d2,plan=free\n"},
		{[]string{"info", "--db", cols}, "events,3\nusers,2\n"},
		{[]string{"props", "--db", cols}, "plan,2,66.7%,2,\"free (1), pro (1)\"\n"},
		{[]string{"user", "d1", "--db", cols, "--tz", "Asia/Shanghai"}, "time,event,properties\n2023-11-15T06:13:20.000+08:00,view,plan=pro\n2023-11-15T06:15:00.000+08:00,buy,plan=free\n"},
		{[]string{"props", "nope", "--db", cols}, "unknown event \"nope\""},
		{[]string{"user", "d2", "--db", ph, "--format", "json"}, `"user": "` + p1 + `",
  "ids": [
    "` + p1 + `",
    "d1",
    "d2"
  ],`},
	} {
		_, out, stderr := runCLI(t, "", tc.args...)
		if !strings.Contains(out+stderr, tc.want) {
			t.Errorf("%s:\n%s%s\nwant it to hold:\n%s", tc.args, out, stderr, tc.want)
		}
	}
}

// A user whose profile is readonly=1 (an analyst's account) may change no
// setting: the analyses run without the settings that only tune them, and
// answer as for any user.
func TestClickHouseReadOnlyUser(t *testing.T) {
	var b strings.Builder
	b.WriteString("user_id,event,time,plan\n")
	r := rand.New(rand.NewSource(9))
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "u%d,%s,2024-03-%02dT%02d:%02d:00Z,%s\n", r.Intn(30), []string{"view", "cart", "buy"}[r.Intn(3)], 1+r.Intn(9), r.Intn(24), r.Intn(60), []string{"free", "pro"}[r.Intn(2)])
	}
	db, urls := localAndClickHouse(t, t.TempDir(), b.String())
	for _, url := range urls {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
		reader := strings.Replace(url, "clickhouse://default@", "clickhouse://"+chtest.ReadOnlyUser+"@", 1)
		for _, args := range [][]string{
			{"info"},
			{"trends", "--measure", "users", "--by", "plan"},
			{"funnel", "--steps", "view,cart,buy", "--window", "1d"},
			{"retention", "--by", "plan"},
			{"paths", "--from", "view"},
			{"lifecycle"},
			{"churn", "--window", "2d", "--min-score", "0"},
			{"match", "--conditions", "view,buy", "--pattern", "(?1).*(?2)"},
		} {
			args = append(args, "--format", "json")
			lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
			rc, remote, rerr := runCLI(t, "", append(args, "--db", reader)...)
			if args[0] == "info" {
				src, _ := clickhouse.ParseURL(reader, nil)
				local = strings.Replace(local, `"`+db+`"`, `"`+src.String()+`"`, 1)
			}
			if lc != 0 || rc != 0 || local != remote {
				t.Errorf("%s as %s on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s", args, chtest.ReadOnlyUser, url, lc, local, lerr, rc, remote, rerr)
			}
		}
	}
}
