package cli

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Saved segments and audiences on a ClickHouse --db: kept in a local
// database (--segments, else the local copy kept for the table), evaluated
// on the server, with the same answers as on the local database.
func TestClickHouseSegmentsMatchLocal(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("SPOOR_SEGMENTS", "")
	var b strings.Builder
	b.WriteString("user_id,event,time,plan\n")
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 800; i++ {
		fmt.Fprintf(&b, "u%d,%s,2024-03-%02dT%02d:%02d:00.%03dZ,%s\n", r.Intn(50), []string{"view", "cart", "buy"}[r.Intn(3)],
			1+r.Intn(12), r.Intn(24), r.Intn(4)*15, r.Intn(2), []string{"free", "pro", "it's \\ '; DROP TABLE x; --"}[r.Intn(3)])
	}
	db, urls := localAndClickHouse(t, dir, b.String())
	run := func(args ...string) (string, string) {
		t.Helper()
		code, out, stderr := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", args, code, stderr)
		}
		return out, stderr
	}
	saved := map[string]string{
		"buyers":  "did buy >= 2 in 7d",
		"cartnot": "did cart then not buy within 1d",
		"streak":  "streak view by plan >= 2 days without buy",
		"pro":     `plan = "it's \ '; DROP TABLE x; --" or (first_seen after 2024-03-04 and not did cart)`,
	}
	for name, expr := range saved {
		run("segment", "create", name, expr, "--db", db)
	}
	run("audience", "create", "later", "did view then buy within 2h", "--db", db)
	before, _ := os.ReadFile(db)

	for _, url := range urls {
		run("push", "--db", db, "--to", url)
		for _, args := range [][]string{
			{"trends", "--measure", "users", "--segment", "buyers"},
			{"trends", "--by", "segment:streak", "--tz", "America/New_York"},
			{"funnel", "--steps", "view,cart,buy", "--segment", "audience:later", "--by", "segment:pro"},
			{"retention", "--by", "segment:cartnot", "--period", "week"},
			{"lifecycle", "--segment", "stage:returning"},
			{"paths", "--from", "view", "--segment", "pro"},
			{"segment", "users", "streak"},
			{"segment", "show", "pro", "--tz", "Asia/Kolkata"},
			{"segment", "show", "cartnot", "--trend", "5d"},
			{"audience", "show", "later", "--trend", "4d", "--tz", "America/New_York"},
			{"segment", "preview", "did buy in 2d or streak view >= 2 days", "--trend", "7d"},
			{"segment", "preview", "did view where plan != free >= 3 or last_seen before 2024-03-05"},
			{"segment", "preview", "active in 3d and not did buy in 36h", "--users"},
			{"audience", "list"},
			{"audience", "backtest", "later", "--goal", "buy", "--days", "6", "--within", "1d"},
			{"audience", "backtest", "later", "--goal", "cart", "--days", "3", "--within", "36h", "--tz", "America/New_York"},
		} {
			args = append(args, "--format", "json")
			local := answer(t, append(args, "--db", db)...)
			remote := answer(t, append(args, "--db", url, "--segments", db)...)
			if local != remote {
				t.Errorf("%s on %s:\nlocal %s\nclickhouse %s", args, url, local, remote)
			}
		}
		// An audience's users: the same ids, in the same order, without evidence.
		local, _ := run("audience", "users", "later", "--db", db, "--format", "csv")
		remote, stderr := run("audience", "users", "later", "--db", url, "--segments", db, "--format", "csv")
		if !strings.Contains(stderr, "without evidence") || userColumn(local) != userColumn(remote) {
			t.Errorf("audience users on %s: %s\nlocal %s\nclickhouse %s", url, stderr, local, remote)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("reading segments from --segments changed the database file")
	}

	// Without --segments, the local copy kept for the table holds them.
	url := urls[1]
	code, _, stderr := runCLI(t, "", "trends", "--segment", "buyers", "--db", url)
	if code != 1 || !strings.Contains(stderr, "does not exist yet") || !strings.Contains(stderr, "spoor segment create") {
		t.Errorf("a segment before any is saved: exit %d: %s", code, stderr)
	}
	_, stderr = run("segment", "create", "buyers", saved["buyers"], "--db", url)
	if !strings.Contains(stderr, "clickhouse-") {
		t.Errorf("create says where it saved: %s", stderr)
	}
	local := answer(t, "trends", "--segment", "buyers", "--db", db, "--format", "json")
	if remote := answer(t, "trends", "--segment", "buyers", "--db", url, "--format", "json"); remote != local {
		t.Errorf("the saved segment: local %s, clickhouse %s", local, remote)
	}
	if out, _ := run("segment", "list", "--db", url, "--format", "csv"); !strings.Contains(out, "buyers,did buy >= 2 in 7d") {
		t.Errorf("segment list: %s", out)
	}
	run("audience", "create", "carts", "did cart in 3d", "--db", url)
	run("audience", "refresh", "--db", url)
	if out, _ := run("audience", "list", "--db", url, "--format", "csv"); !strings.Contains(out, "carts,did cart in 3d,") || !strings.Contains(out, ",+0,") {
		t.Errorf("audience list after refresh: %s", out)
	}
	run("segment", "delete", "buyers", "--db", url)
	if code, _, stderr := runCLI(t, "", "segment", "show", "buyers", "--db", url); code != 1 || !strings.Contains(stderr, `no segment "buyers"`) {
		t.Errorf("after delete: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "segment", "preview", "did view", "--trend", "0d", "--db", url); code != 2 || !strings.Contains(stderr, "--trend") {
		t.Errorf("--trend 0d on ClickHouse: exit %d: %s", code, stderr)
	}
}

// answer runs spoor and returns its exit, output and errors: a failure is
// compared like an answer.
func answer(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runCLI(t, "", args...)
	return fmt.Sprintf("exit %d: %s%s", code, out, stderr)
}

// userColumn is the first column of a CSV, in its order.
func userColumn(csv string) string {
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(csv), "\n")[1:] {
		ids = append(ids, strings.SplitN(l, ",", 2)[0])
	}
	return strings.Join(ids, " ")
}
