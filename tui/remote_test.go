package tui

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/spoorhq/spoor/clickhouse"
	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/push"
	"github.com/spoorhq/spoor/segment"
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

// The workbench on a pushed table, one server and the two-shard cluster,
// shows what it shows on the local database: each analysis tab, a
// breakdown by a saved segment, the users behind a funnel step and a
// user's timeline; the other tabs say they need a local database.
func TestRemoteWorkbenchMatchesLocal(t *testing.T) {
	c := chtest.Get(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := dir + "/shop.db"
	db, err := fixtureDBAt(ctx, path, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := segment.Segments.Save(ctx, db, "carts", "did add_to_cart then not purchase within 1d", false); err != nil {
		t.Fatal(err)
	}
	name := c.NewDatabase(t)
	urls := []string{c.URL(0, name, "table=one"), c.URL(0, name, "table=two&cluster="+chtest.ClusterName)}
	for _, url := range urls {
		src, _ := clickhouse.ParseURL(url, os.Getenv)
		if _, err := push.Push(ctx, db, clickhouse.NewClient(src), push.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	t.Setenv("SPOOR_SEGMENTS", path)

	for _, url := range urls {
		local := fileHarness(t, path, 120, 40)
		remote := remoteHarness(t, url, 120, 40)
		remote.contains("opened", "events on ClickHouse")
		for _, step := range []struct {
			keys []string
			see  string
		}{
			{[]string{"1"}, "Trends query"},
			// (The first path's anchor is picked from every event locally,
			// and is the journey's first event on ClickHouse.)
			{[]string{"3", "<down>", "<enter>", "view_item", "<enter>"}, "Paths after view_item"},
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
		remote.keys("<esc>", "<esc>", "6")
		remote.contains("The Explore tab needs the events in a local spoor database")
		remote.keys("7")
		remote.contains("The Segments tab needs the events in a local spoor database")
	}
}
