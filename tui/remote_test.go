package tui

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/chquery"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/push"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/sequence"
	"github.com/spoorhq/spoor/store"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

// remoteHarness opens the workbench on a ClickHouse table, as Run does for
// a clickhouse:// --db.
func remoteHarness(t *testing.T, url string, w, h int) *harness {
	t.Helper()
	src, err := clickhouse.ParseURL(url, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	m := New(context.Background(), nil, false)
	m.src = src
	m.sh.since = func(time.Time) time.Duration { return 0 }
	hs := &harness{t: t, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	if m.sh.remote == nil {
		t.Fatalf("the table did not open: %s", m.status)
	}
	return hs
}

// body is the screen without its header and footer, which name the data
// source and how it was loaded.
func body(h *harness) string {
	lines := strings.Split(h.screen(), "\n")
	return strings.Join(lines[1:len(lines)-1], "\n")
}

// pushedFixture is the fixture database with a saved segment, pushed to
// a table on one server and to one on the two-shard cluster, whose URLs
// it returns; $SPOOR_SEGMENTS names the database for the test.
func pushedFixture(t *testing.T) (path string, urls []string) {
	t.Helper()
	c := chtest.Get(t)
	ctx := context.Background()
	path = t.TempDir() + "/shop.db"
	db, err := fixtureDBAt(ctx, path, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := segment.Segments.Save(ctx, db, "carts", "did add_to_cart then not purchase within 1d", false); err != nil {
		t.Fatal(err)
	}
	name := c.NewDatabase(t)
	urls = []string{c.URL(0, name, "table=one"), c.URL(0, name, "table=two&cluster="+chtest.ClusterName)}
	for _, url := range urls {
		src, _ := clickhouse.ParseURL(url, os.Getenv)
		if _, err := push.Push(ctx, db, clickhouse.NewClient(src), push.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SPOOR_SEGMENTS", path)
	return path, urls
}

// On ClickHouse the header reads as on the local database, in Chinese as
// in English: the URL gives way to the table's name before the counts are
// compacted.
func TestRemoteHeaderReadsLikeLocal(t *testing.T) {
	path, urls := pushedFixture(t)
	for _, l := range []i18n.Lang{i18n.English, i18n.Chinese} {
		inLang(t, l)
		for _, url := range urls {
			for _, w := range []int{100, 80} {
				local, remote := fileHarness(t, path, w, 30), remoteHarness(t, url, w, 30)
				counts := func(h *harness) string {
					line := strings.Split(h.screen(), "\n")[0]
					return line[strings.Index(line, thousands(local.m.sh.d.Len())):]
				}
				if l, r := counts(local), counts(remote); l != r {
					t.Fatalf("%s at %d columns in %s: the header reads\n%s\nlocally\n%s", url, w, i18n.Current(), r, l)
				}
			}
		}
	}
}

// The workbench on a pushed table, one server and the two-shard cluster,
// shows what it shows on the local database: every tab, a breakdown by a
// saved segment, the users behind a funnel step and a user's timeline;
// the SQL box reads from the server, and the sequence view says it needs
// a local database.
func TestRemoteWorkbenchMatchesLocal(t *testing.T) {
	path, urls := pushedFixture(t)
	ctx := context.Background()
	for _, url := range urls {
		local := fileHarness(t, path, 120, 40)
		remote := remoteHarness(t, url, 120, 40)
		remote.contains("opened", "events on ClickHouse")
		// Enter on a retention cell: its users, fetched from the server,
		// in the same (import) order.
		local.keys("4", "<right>", "<enter>")
		remote.keys("4", "<right>", "<enter>")
		remote.contains("Cohort ")
		if l, r := body(local), body(remote); l != r || strings.Count(l, "\n") < 2 {
			t.Fatalf("%s: the users of a retention cell:\nlocal\n%s\nclickhouse\n%s", url, body(local), body(remote))
		}
		local.keys("<esc>", "<left>")
		remote.keys("<esc>", "<left>")
		for _, step := range []struct {
			keys []string
			see  string
		}{
			{[]string{"1"}, "Trends query"},
			// The first path's anchor is picked as locally.
			{[]string{"3"}, "Paths after"},
			{[]string{"4"}, "Retention by"},
			{[]string{"5"}, "Lifecycle"},
			{[]string{"2"}, "Funnel ·"},
			// By a saved segment, read from $SPOOR_SEGMENTS' database.
			{append(slices.Repeat([]string{"<down>"}, 12), "<enter>", "segment:carts", "<enter>"), "not carts"},
			// The users who dropped after step 1, and one's timeline.
			{[]string{"<right>", "<enter>"}, "Dropped off after step 1"},
		} {
			local.keys(step.keys...)
			remote.keys(step.keys...)
			remote.contains(step.see)
			if l, r := body(local), body(remote); l != r {
				t.Fatalf("%s after %v:\nlocal\n%s\nclickhouse\n%s", url, step.keys, l, r)
			}
		}
		// Enter on a user: locally the funnel's explanation, on ClickHouse
		// the user's timeline, read from the server.
		user := strings.TrimSpace(strings.TrimPrefix(strings.Split(body(remote), "\n")[2], "▸"))
		remote.keys("<enter>")
		remote.contains("Timeline of " + user)
		lines, err := timeline(ctx, local.m.sh.db, user)
		if err != nil {
			t.Fatal(err)
		}
		remote.contains(lines...)
		remote.keys("<esc>", "<esc>")
		// The Explore tab on the server: the events with their counts and
		// span, the property keys; typed SQL goes to the server read-only;
		// the sequence view says it needs a local database.
		local.keys("<esc>")
		for _, keys := range [][]string{{"6"}, {"<enter>", "<down>", "<enter>"}} {
			local.keys(keys...)
			remote.keys(keys...)
			if l, r := body(local), body(remote); l != r {
				t.Fatalf("%s: Explore after %v:\nlocal\n%s\nclickhouse\n%s", url, keys, l, r)
			}
		}
		remote.contains("Properties", "exp_checkout")
		src, _ := clickhouse.ParseURL(url, os.Getenv)
		remote.keys("<down>", "<down>", "<enter>", "SELECT event, count() AS n FROM "+src.Table+" WHERE event IN ('purchase', 'view_item') GROUP BY event ORDER BY event", "<enter>")
		res := remote.m.tabs[tabExplore].res.(*listResult)
		if want := [][]string{{"purchase", strconv.Itoa(local.m.sh.events[slices.IndexFunc(local.m.sh.events, func(e named) bool { return e.name == "purchase" })].count)},
			{"view_item", strconv.Itoa(local.m.sh.events[slices.IndexFunc(local.m.sh.events, func(e named) bool { return e.name == "view_item" })].count)}}; !slices.EqualFunc(res.t.Rows, want, slices.Equal) {
			t.Fatalf("%s: the SQL box answered %v, want %v", url, res.t.Rows, want)
		}
		remote.keys("<enter>", "<ctrl+u>", "DROP TABLE "+src.Table, "<enter>")
		remote.contains("only reads: DROP is not sent")
		remote.keys("<up>", "<up>", "<enter>", "<down>", "<down>", "<down>", "<enter>")
		// The sequence view, matched on the server: the counts spoor match
		// gives locally, and a user's timeline read from the server with
		// the first match's three events marked.
		conds, pattern := "view_item,add_to_cart,purchase", "(?1).*(?2)(?t<=3600)(?3)"
		want, err := sequence.Run(ctx, local.m.sh.d, sequence.Query{Conditions: splitConditions(conds), Pattern: pattern})
		if err != nil || want.Matched == 0 {
			t.Fatalf("the fixture matches %+v (%v): the test would show nothing", want, err)
		}
		remote.keys("j", "j", "j", "<enter>", conds, "<enter>", "j", "<enter>", pattern, "<enter>")
		remote.contains(fmt.Sprintf("%s of %s users match %s", output.Count(want.Matched), output.Count(len(want.Users)), pattern))
		remote.keys("l", "<enter>")
		if s := remote.screen(); !strings.Contains(s, "first match of "+pattern+" marked") || strings.Count(s, "← match event") != 3 {
			t.Fatalf("%s: timeline:\n%s", url, s)
		}
		remote.keys("<esc>", "h")
		// The Segments tab on the server: the saved segment's size, a
		// preview with its trend of size and a property no event has, RFM
		// tiers and lifecycle stages with the users of each.
		for _, step := range []struct {
			keys []string
			see  string
		}{
			{[]string{"7"}, "carts"},
			{[]string{"<down>", "<enter>", "did add_to_cart >= 2 in 7d or (country = CN and plan = pro)", "<enter>"}, `no event has property "plan"`},
			{[]string{"<up>", "<enter>", "<down>", "<enter>"}, "RFM tiers by revenue"},
			{[]string{"<enter>", "<down>", "<down>", "<enter>", "<down>", "<enter>", "<ctrl+u>", "6", "<enter>"}, "Lifecycle stage (6-day window)"},
		} {
			local.keys(step.keys...)
			remote.keys(step.keys...)
			remote.contains(step.see)
			if l, r := body(local), body(remote); l != r {
				t.Fatalf("%s after %v:\nlocal\n%s\nclickhouse\n%s", url, step.keys, l, r)
			}
		}
		lg, rg := local.m.tabs[tabSegments].res.(*groupResult), remote.m.tabs[tabSegments].res.(*groupResult)
		for k := range lg.users {
			if !slices.Equal(lg.users[k], rg.users[k]) {
				t.Fatalf("%s: the users of stage %s:\nlocal %v\nclickhouse %v", url, lg.groups[k].Name, lg.users[k], rg.users[k])
			}
		}
		local.keys("<esc>")
		// The Experiments tab on the server: the same variants; Enter on
		// one lists the same users in the same (import) order,
		// and Enter on a user shows their timeline from the server.
		local.keys("<esc>", "8")
		remote.keys("8")
		remote.contains("exp_checkout")
		if l, r := body(local), body(remote); l != r {
			t.Fatalf("%s: the Experiments tab:\nlocal\n%s\nclickhouse\n%s", url, l, r)
		}
		local.keys("<right>", "<enter>")
		remote.keys("<right>", "<enter>")
		remote.contains("Variant control —")
		if l, r := body(local), body(remote); l != r {
			t.Fatalf("%s: the users of variant control:\nlocal\n%s\nclickhouse\n%s", url, body(local), body(remote))
		}
		user = strings.Fields(strings.TrimPrefix(strings.Split(body(remote), "\n")[3], "▸"))[0] // under the title and the column names
		remote.keys("<enter>")
		remote.contains("Timeline of " + user)
	}
}

// The first queries' picks count on ClickHouse what they count locally:
// a hand-checked timeline, then random ones with equal times stored out
// of order, gaps on either side of followGap and days crossing midnight
// UTC, on one server and on the two-shard cluster.
func TestRemotePickCountsMatchLocal(t *testing.T) {
	c := chtest.Get(t)
	ctx := context.Background()
	day0 := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC).UnixMilli()
	const minute = int64(60_000)
	type ev struct {
		user, name string
		at         int64
	}
	check := func(events []ev, want [][3]int) {
		t.Helper()
		path := t.TempDir() + "/picks.db"
		db, err := store.Open(path, store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginImport(ctx, store.ImportInfo{File: "picks", Format: "test"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if err := tx.Add(ctx, &store.Event{User: e.user, Name: e.name, Time: day0 + e.at}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx, store.ImportStats{}); err != nil {
			t.Fatal(err)
		}
		d, err := query.Load(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		cand := eventCounts(d)[:min(pickCandidates, len(d.Names))]
		users, followed, repeaters := pickCounts(d, cand)
		for i := range want {
			if got := [3]int{users[i], followed[i], repeaters[i]}; got != want[i] {
				t.Fatalf("locally %s: users, followed, repeaters %v, want %v", cand[i].name, got, want[i])
			}
		}
		names := make([]string, len(cand))
		for i, e := range cand {
			names[i] = e.name
		}
		name := c.NewDatabase(t)
		for _, url := range []string{c.URL(0, name, "table=one"), c.URL(0, name, "table=two&cluster="+chtest.ClusterName)} {
			src, _ := clickhouse.ParseURL(url, os.Getenv)
			cl := clickhouse.NewClient(src)
			if _, err := push.Push(ctx, db, cl, push.Options{}); err != nil {
				t.Fatal(err)
			}
			tab, err := clickhouse.Describe(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			u, f, r, err := chquery.New(cl, tab, time.UTC).PickCounts(ctx, names, followGap)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(u, users) || !slices.Equal(f, followed) || !slices.Equal(r, repeaters) {
				t.Fatalf("%s: %v: users %v followed %v repeaters %v, locally %v %v %v", url, names, u, f, r, users, followed, repeaters)
			}
		}
	}
	// a: u1 at 23:00 and 23:10, then b exactly the gap after the last a
	// (followed), a again the next day (a repeat); b is followed by
	// nothing. u2: a, then c one millisecond past the gap.
	check([]ev{
		{"u1", "a", 0}, {"u1", "a", 10 * minute}, {"u1", "b", 40 * minute}, {"u1", "a", 24 * 60 * minute},
		{"u2", "a", 0}, {"u2", "c", 30*minute + 1}, {"u2", "a", 30*minute + 2},
	}, [][3]int{{2, 1, 1}})
	rng := rand.New(rand.NewSource(5))
	for it := 0; it < 6; it++ {
		var events []ev
		for u := 0; u < 1+rng.Intn(40); u++ {
			for e := rng.Intn(14); e > 0; e-- {
				at := int64(rng.Intn(6)) * []int64{minute, 15 * minute, 30 * minute, 30*minute + 1}[rng.Intn(4)]
				events = append(events, ev{"u" + strconv.Itoa(u), string(rune('a' + rng.Intn(10))), at})
			}
		}
		rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		check(events, nil)
	}
}

// On ClickHouse the Segments tab saves into the local database kept for
// the table, made by the first save: an audience rule with its size
// counted on the server, listed with that size; d deletes it there.
func TestRemoteSegmentsSave(t *testing.T) {
	path, urls := pushedFixture(t)
	ctx := context.Background()
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	d, err := query.Load(ctx, db)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	m, err := segment.Evaluate(ctx, d, "did purchase >= 2")
	if err != nil {
		t.Fatal(err)
	}
	want := len(memberIDs(d, m))
	for _, url := range urls {
		saved := t.TempDir() + "/saved.db"
		t.Setenv("SPOOR_SEGMENTS", saved)
		remote := remoteHarness(t, url, 120, 40)
		remote.keys("7", "<down>", "<enter>", "did purchase >= 2", "<enter>", "<down>", "<enter>", "buyers", "<enter>", "<down>", "<enter>", "<down>", "<enter>")
		remote.contains("saved audience buyers", "aud:buyers")
		db, err := store.Open(saved, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		list, err := segment.Audiences.List(ctx, db)
		db.Close()
		if err != nil || len(list) != 1 || list[0].Expr != "did purchase >= 2" || list[0].LastCount == nil || *list[0].LastCount != int64(want) {
			t.Fatalf("%s: saved %+v, %v; want buyers of %d users", url, list, err, want)
		}
		res := remote.m.tabs[tabSegments].res.(*savedResult)
		if len(res.entries) != 1 || len(res.entries[0].members) != want {
			t.Fatalf("%s: the tab lists %+v, want buyers of %d users", url, res.entries, want)
		}
		remote.keys("<down>", "d")
		remote.contains("deleted audience buyers")
		if res := remote.m.tabs[tabSegments].res.(*savedResult); len(res.entries) != 0 {
			t.Fatalf("%s: after the delete the tab lists %+v", url, res.entries)
		}
	}
}

// On ClickHouse the Trends tab's anomaly markers and forecast (fitted
// locally on the series the server sends), the Funnel tab's attribution
// view (every model) and an audience's back-test on the Segments tab show
// what they show on the local database, and so does w (why).
func TestRemoteForecastAttributionBacktest(t *testing.T) {
	path, urls := pushedFixture(t)
	ctx := context.Background()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = segment.Audiences.Save(ctx, db, "browsers", "did view_item >= 2 in 7d", false)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, url := range urls {
		local, remote := fileHarness(t, path, 120, 40), remoteHarness(t, url, 120, 40)
		same := func(what string, keys ...string) {
			t.Helper()
			local.keys(keys...)
			remote.keys(keys...)
			if l, r := body(local), body(remote); l != r {
				t.Fatalf("%s: %s:\nlocal\n%s\nclickhouse\n%s", url, what, l, r)
			}
		}
		same("the trends by device", "1")
		goRow(t, local, "by")
		goRow(t, remote, "by")
		same("the trends by device", "<enter>", "device", "<enter>")
		if r := remote.m.tab().res.(*trendsResult); len(r.alerts) == 0 && len(local.m.tab().res.(*trendsResult).alerts) != 0 {
			t.Fatalf("%s: no anomaly marked on the server's series", url)
		}
		same("the forecast", "l", "F")
		remote.contains("forecast 14 ahead (F hides)", "backtest MASE")
		if as := remote.m.tab().res.(*trendsResult).forecastAnomalies(); len(as) > 0 {
			same("why the anomaly moved", "w")
			same("back from why", "<esc>")
		}
		same("the funnel", "F", "h", "2")
		goRow(t, local, "view")
		goRow(t, remote, "view")
		same("the attribution view", "<enter>", "attribution", "<enter>")
		goRow(t, local, "touch")
		goRow(t, remote, "touch")
		same("attribution by device", "<enter>", "device", "<enter>")
		remote.contains("purchase credited by device", "time_decay")
		same("the saved entries", "<esc>", "7")
		same("the back-test", "l", "<down>", "b", "<enter>")
		remote.contains("Back-test of audience browsers")
	}
}

// The anomaly marker of a spike is the same on the server's series, and w
// explains it as on the local database: the spike's extra signups are all
// on android.
func TestRemoteAnomalyMarker(t *testing.T) {
	c := chtest.Get(t)
	ctx := context.Background()
	path := t.TempDir() + "/spike.db"
	var events []store.Event
	day0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for d := 0; d < 40; d++ {
		n := 10 + d%2
		if d == 30 {
			n = 100
		}
		for i := 0; i < n; i++ {
			device := []string{"ios", "web"}[i%2]
			if i >= 11 {
				device = "android"
			}
			events = append(events, store.Event{User: "u" + strconv.Itoa(i), Name: "signup", Time: day0 + int64(d)*86_400_000 + int64(i)*60_000,
				Props: []store.Prop{{Key: "device", Value: device}}})
		}
	}
	db := importedDB(t, path, events)
	name := c.NewDatabase(t)
	for _, url := range []string{c.URL(0, name, "table=one"), c.URL(0, name, "table=two&cluster="+chtest.ClusterName)} {
		src, _ := clickhouse.ParseURL(url, os.Getenv)
		if _, err := push.Push(ctx, db, clickhouse.NewClient(src), push.Options{}); err != nil {
			t.Fatal(err)
		}
		local, remote := fileHarness(t, path, 120, 40), remoteHarness(t, url, 120, 40)
		local.keys("1")
		remote.keys("1")
		remote.contains("▲ 05-31 signup spike: 100")
		if l, r := body(local), body(remote); l != r {
			t.Fatalf("%s:\nlocal\n%s\nclickhouse\n%s", url, l, r)
		}
		local.keys("l", "F", "w")
		remote.keys("l", "F", "w")
		remote.contains("Why signup moved on 2026-05-31", "device = android explains")
		if l, r := body(local), body(remote); l != r {
			t.Fatalf("%s: why:\nlocal\n%s\nclickhouse\n%s", url, l, r)
		}
	}
	db.Close()
}
