package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spoorhq/spoor/clickhouse/chtest"
)

// spoor why answers the same on a pushed table, on one server and on the
// two-shard cluster, as on the local database: the planted-cause sample
// (its cause ranked first and drilled into on the server too) and random
// datasets, for every metric (events, users, a property's sum, a funnel's
// conversion), with --where, --tz, saved segments as candidates, and the
// errors a bad flag gets.
func TestClickHouseWhyMatchesLocal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "incident.db")
	if code, _, stderr := runCLI(t, "", "sample", "--scenario", "incident", "--users", "1500", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(t, "", "segment", "create", "buyers", "did purchase", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	c := chtest.Get(t)
	name := c.NewDatabase(t)
	urls := []string{c.URL(0, name, "table=incident"), c.URL(1, name, "table=incident2&cluster="+chtest.ClusterName)}
	periods := []string{"--before", "2026-06-01..2026-06-14", "--after", "2026-06-17..2026-06-30"}
	for _, url := range urls {
		if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
			t.Fatalf("push: %d %s %s", code, out, stderr)
		}
		for _, args := range [][]string{
			{},
			append([]string{"--events", "begin_checkout", "--measure", "users", "--props", "device,app_version,country,segment:buyers"}, periods...),
			append([]string{"--steps", "view_item,begin_checkout,purchase", "--window", "1d"}, periods...),
			append([]string{"--steps", "page_view,page_view,begin_checkout", "--where", "country != US", "--tz", "Asia/Shanghai"}, periods...),
			append([]string{"--events", "purchase", "--sum", "revenue", "--props", "device,app_version"}, periods...),
			{"--events", "begin_checkout", "--before", "2026-06-03", "--after", "2026-06-24", "--segment", "buyers", "--top", "3"},
			{"--events", "nosuch", "--before", "2026-06-03", "--after", "2026-06-24"},
			{"--props", "devise", "--before", "2026-06-03", "--after", "2026-06-24"},
			{"--events", "purchase", "--sum", "revenu", "--before", "2026-06-03", "--after", "2026-06-24"},
		} {
			sameWhy(t, db, url, args)
		}
		_, remote := sameWhy(t, db, url, append([]string{"--events", "begin_checkout", "--props", "device,app_version,country"}, periods...))
		var r struct {
			Explained    bool
			Contributors []struct{ Property, Value string }
			Drill        struct{ Value string }
		}
		json.Unmarshal([]byte(remote), &r)
		if len(r.Contributors) == 0 || r.Contributors[0].Property != "device,app_version" || r.Contributors[0].Value != "android,3.2" || !r.Explained || r.Drill.Value != "android,3.2" {
			t.Errorf("%s: the planted cause is not named first: %.600s", url, remote)
		}
	}

	// Random datasets: ms times, equal times, missing values, values with
	// quotes and backslashes, an id-like property, a zone with DST nights.
	r := rand.New(rand.NewSource(11))
	for trial := 0; trial < 4; trial++ {
		var b strings.Builder
		b.WriteString("user_id,event,time,device,plan,ref,price\n")
		users := 20 + r.Intn(60)
		for i := 0; i < 300+r.Intn(900); i++ {
			u := r.Intn(users)
			device := []string{"ios", "android", "web", ""}[(u+r.Intn(2))%4]
			plan := []string{"free", "pro", `it's \ "q"`, ""}[r.Intn(4)]
			ms := r.Intn(1000)
			if r.Intn(3) == 0 {
				ms = 0 // equal times
			}
			fmt.Fprintf(&b, "u%d,%s,2026-03-%02dT%02d:%02d:00.%03dZ,%s,\"%s\",r%d,%d\n", u, []string{"a", "b", "c"}[r.Intn(3)],
				20+r.Intn(12), r.Intn(24), r.Intn(2)*30, ms, device, strings.ReplaceAll(plan, `"`, `""`), r.Intn(200), r.Intn(50))
		}
		dir := t.TempDir()
		db, urls := localAndClickHouse(t, dir, b.String())
		before := fmt.Sprintf("2026-03-%02d..2026-03-%02d", 20+r.Intn(3), 23+r.Intn(3))
		after := fmt.Sprintf("2026-03-%02d..2026-03-%02d", 26+r.Intn(3), 29+r.Intn(3))
		p := []string{"--before", before, "--after", after}
		for _, url := range urls[trial%2 : trial%2+1] {
			if code, out, stderr := runCLI(t, "", "push", "--db", db, "--to", url); code != 0 {
				t.Fatalf("push: %d %s %s", code, out, stderr)
			}
			for _, args := range [][]string{
				append([]string{"--events", "a,b"}, p...),
				append([]string{"--measure", "users", "--tz", "Europe/Berlin"}, p...),
				append([]string{"--steps", "a,b,c", "--window", "2h", "--where", "plan != free"}, p...),
				append([]string{"--steps", "a,a,b", "--window", "1d", "--tz", "Europe/Berlin"}, p...),
				append([]string{"--sum", "price", "--where", `plan = "it's \ "q""`}, p...),
				append([]string{"--events", "c", "--props", "plan,ref,device"}, p...),
			} {
				sameWhy(t, db, url, args)
			}
		}
	}
}

// sameWhy runs spoor why with args on the local database and on url and
// fails unless both answer the same (a --sum's amounts to 12 digits: the
// server adds them in another order).
func sameWhy(t *testing.T, db, url string, args []string) (string, string) {
	t.Helper()
	args = append([]string{"why", "--format", "json", "--segments", db}, args...)
	lc, local, lerr := runCLI(t, "", append(args, "--db", db)...)
	cc, remote, cerr := runCLI(t, "", append(args, "--db", url)...)
	if strings.Contains(strings.Join(args, " "), "--sum") {
		local, remote = roundJSON(local), roundJSON(remote)
	}
	if lc != cc || local != remote || lerr != cerr {
		t.Errorf("%s on %s:\nlocal (%d) %.3000s%s\nclickhouse (%d) %.3000s%s", args, url, lc, local, lerr, cc, remote, cerr)
	}
	return local, remote
}

// roundJSON rounds every number of a JSON text to 12 significant digits.
func roundJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case float64:
			if x == 0 || math.IsInf(x, 0) {
				return x
			}
			f, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 12, 64), 64)
			return f
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = walk(x[k])
			}
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}
