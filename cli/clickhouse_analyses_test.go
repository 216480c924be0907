package cli

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The analysis commands print the same on a pushed table, on one server
// and on the two-shard cluster, as on the local database; options the
// compiler does not handle yet fail saying so rather than answering
// differently.
func TestClickHouseAnalysesMatchLocal(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user_id,event,time,plan,price\n")
	r := rand.New(rand.NewSource(5))
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&b, "u%d,%s,2024-03-%02dT%02d:%02d:00.%03dZ,%s,%d\n", r.Intn(40), []string{"view", "cart", "buy", "open"}[r.Intn(4)],
			1+r.Intn(9), r.Intn(24), r.Intn(4)*15, r.Intn(2), []string{"free", "pro", "it's \\ '; DROP TABLE x; --"}[r.Intn(3)], r.Intn(200))
	}
	db, urls := localAndClickHouse(t, dir, b.String())
	spec := filepath.Join(dir, "f.json")
	os.WriteFile(spec, []byte(`{"analysis": "funnel", "steps": [{"event": "view"}, {"event": "buy"}], "window": "90m", "by": "plan"}`), 0o644)
	expSpec := filepath.Join(dir, "x.json")
	os.WriteFile(expSpec, []byte(`{"analysis": "experiment", "variant": "plan", "steps": [{"event": "view"}, {"event": "buy"}], "window": "1d", "revenue": "price"}`), 0o644)
	attrSpec := filepath.Join(dir, "a.json")
	os.WriteFile(attrSpec, []byte(`{"analysis": "attribution", "conversion": "buy", "touch": "plan", "model": "position", "revenue": "price"}`), 0o644)
	for _, url := range urls {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
		for _, args := range [][]string{
			{"funnel", "--steps", "view,cart,buy"},
			{"funnel", "--steps", "view,view,buy", "--window", "1h", "--by", "plan"},
			{"funnel", "--steps", "view,cart where price > 100,buy", "--where", "plan != free", "--interval", "week", "--tz", "America/New_York"},
			{"funnel", "--steps", "view,buy", "--where", `plan = "it's \ '; DROP TABLE x; --"`, "--from", "2024-03-02", "--to", "2024-03-05"},
			{"funnel", "--steps", "view,cart,buy", "--dropped-at", "2"},
			{"funnel", "--steps", "view,cart,cart,buy", "--mode", "strict", "--window", "2h", "--by", "plan", "--where", "price > 20"},
			{"funnel", "--steps", "buy,view,cart", "--mode", "any", "--window", "3h", "--by", "plan", "--in-progress-at", "1"},
			{"funnel", "--steps", "view,cart,buy", "--semantics", "mixpanel", "--by", "plan", "--window", "2h"},
			{"funnel", "--steps", "view,view,buy", "--semantics", "clickhouse", "--where", "price > 20"},
			{"funnel", "--steps", "view,view,buy", "--semantics", "clickhouse", "--option", "strict_once", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view,cart,buy", "--exclude", "open", "--window", "3h", "--by", "plan"},
			{"funnel", "--steps", "view,cart,buy", "--exclude", "open:2-3", "--window", "3h"},
			{"funnel", "--steps", "view,cart,open,buy", "--exclude", "view:3-4", "--exclude", "buy:1-2", "--exclude", "cart", "--window", "3h", "--by", "plan"},
			{"funnel", "--steps", "view,view,buy", "--exclude", "open", "--exclude", "cart:1-2", "--window", "3h", "--by", "plan"},
			{"funnel", "--steps", "view,view,buy", "--exclude", "open:2-3", "--window", "3h", "--by", "plan"},
			{"funnel", "--steps", "view,buy", "--semantics", "amplitude", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view,cart,view,buy", "--semantics", "amplitude", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view,view where plan = pro,buy", "--window", "2h", "--by", "plan", "--dropped-at", "2"},
			{"funnel", "--steps", "view,view where plan = pro,buy", "--exclude", "open", "--exclude", "cart:1-2", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view where plan != free,cart,view,buy", "--semantics", "amplitude", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view,cart,view,buy", "--semantics", "posthog", "--window", "2h", "--by", "plan"},
			{"funnel", "--steps", "view,buy", "--semantics", "posthog", "--mode", "strict"},
			{"funnel", "--steps", "view,view,cart", "--semantics", "posthog", "--mode", "strict", "--window", "3h", "--by", "plan", "--where", "price > 20"},
			{"funnel", "--steps", "view,cart,view where plan = pro,buy", "--semantics", "posthog", "--mode", "strict", "--window", "3h", "--by", "plan"},
			{"trends"},
			{"trends", "--where", "plan = Pro", "--where", "price > 500", "--from", "2023-01-01", "--to", "2023-01-31"},
			{"trends", "--measure", "users", "--by", "plan", "--where", "price >= 50"},
			{"trends", "--events", "view,buy", "--measure", "wau", "--interval", "week", "--tz", "Australia/Lord_Howe"},
			{"trends", "--measure", "stickiness", "--from", "2024-03-03", "--to", "2024-03-08"},
			{"trends", "--measure", "avg", "--interval", "hour", "--last", "2d", "--tz", "Asia/Kolkata"},
			{"lifecycle"},
			{"run", spec},
			{"retention"},
			{"retention", "--start", "view", "--return", "buy", "--period", "week", "--unbounded", "--by", "plan"},
			{"retention", "--recurring", "--periods", "4", "--where", "price < 150", "--tz", "America/New_York", "--users", "2024-03-02:1"},
			{"lifecycle", "--event", "buy", "--interval", "week", "--by", "plan", "--from", "2024-03-04", "--to", "2024-03-06"},
			{"paths", "--from", "view"},
			{"paths", "--to", "buy", "--depth", "6", "--session-gap", "2h", "--no-collapse", "--by", "plan", "--where", "price > 20", "--tz", "America/New_York", "--since", "2024-03-02", "--until", "2024-03-07"},
			{"paths", "--from", "cart", "--session-gap", "0", "--top", "3"},
			{"experiment", "--variant", "plan", "--goal", "buy"},
			{"run", expSpec},
			{"churn", "--window", "3d", "--baseline", "5d", "--min-score", "0"},
			{"churn", "--window", "2d", "--min-score", "0.3", "--key-event", "buy", "--top", "5", "--tz", "America/New_York"},
			{"segment", "rfm", "--revenue", "price"},
			{"segment", "rfm", "--revenue", "price", "--event", "buy", "--users", "--tz", "America/New_York"},
			{"segment", "rfm", "--revenue", "price", "--tier", "lost"},
			{"segment", "stages", "--window", "3d"},
			{"segment", "stages", "--window", "2d", "--users", "--tz", "Asia/Kolkata"},
			{"segment", "stages", "--stage", "dormant", "--window", "1d"},
			{"attribution", "--conversion", "buy", "--touch", "plan"},
			{"run", attrSpec},
			{"attribution", "--conversion", "buy", "--touch", "plan", "--model", "time_decay", "--half-life", "3h", "--window", "1d", "--revenue", "price", "--where", "price > 20", "--from", "2024-03-02", "--tz", "America/New_York"},
			{"funnel", "--steps", "view,buy", "--semantics", "posthog"},
			{"match", "--conditions", "view,buy", "--pattern", "(?1).*(?2)"},
			{"forecast", "--interval", "hour", "--horizon", "5", "--by", "plan", "--where", "price > 20"},
			{"match", "--conditions", "view,cart where price > 100,buy,nosuch", "--pattern", "(?1)(?t<=3600).*(?2).(?3)", "--where", "plan != free", "--from", "2024-03-02", "--tz", "America/New_York"},
			{"experiment", "--variant", "plan", "--steps", "view,cart where price > 50,buy", "--window", "2h", "--revenue", "price", "--control", "pro", "--where", "price != 3", "--from", "2024-03-02", "--to", "2024-03-06", "--by", "plan", "--tz", "America/New_York"},
		} {
			args = append(args, "--format", "json")
			lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
			cc, remote, cerr := runCLI(t, "", append(args, "--db", url)...)
			if lc != 0 || cc != 0 || local != remote || lerr != cerr {
				t.Errorf("%s on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s", args, url, lc, local, lerr, cc, remote, cerr)
			}
		}
		for _, args := range [][]string{
			{"funnel", "--steps", "view,view,cart,buy", "--exclude", "open:2-3"},
		} {
			code, _, stderr := runCLI(t, "", append(args, "--db", url)...)
			if code != 1 || !strings.Contains(stderr, "not compiled for ClickHouse yet") {
				t.Errorf("%s on %s: exit %d: %s", args, url, code, stderr)
			}
		}
	}
}
