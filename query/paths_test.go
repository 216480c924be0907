package query

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pathsLines renders every path of a result as "users: a > b > c" lines.
func pathsLines(r *PathsResult) string {
	var b strings.Builder
	for _, p := range r.Paths {
		b.WriteString(strconv.FormatInt(p.Users, 10) + ": " + strings.Join(p.Steps, " > ") + "\n")
	}
	return b.String()
}

func pathsRun(t *testing.T, d *Dataset, q PathsQuery) *PathsResult {
	t.Helper()
	r, err := d.Paths(context.Background(), q)
	if err != nil {
		t.Fatalf("Paths(%+v): %v", q, err)
	}
	return r
}

func TestPathsHandChecked(t *testing.T) {
	cases := []struct {
		name string
		data string
		q    PathsQuery
		want string
	}{
		{"after view, repeats collapsed, users without view left out", `
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 10:01
u1 pay  2026-03-02 10:02
u2 view 2026-03-02 10:00
u2 view 2026-03-02 10:01
u2 cart 2026-03-02 10:02
u3 cart 2026-03-02 10:00
`, PathsQuery{From: "view"}, "1: view > cart > (end)\n1: view > cart > pay > (end)\n"},
		{"no-collapse keeps repeats, the anchor included", `
u2 view 2026-03-02 10:00
u2 view 2026-03-02 10:01
u2 cart 2026-03-02 10:02
`, PathsQuery{From: "view", NoCollapse: true}, "1: view > view > cart > (end)\n"},
		{"a gap of exactly the session gap continues, one ms more ends it", `
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 10:30
u1 pay  2026-03-02 11:00:00.001
`, PathsQuery{From: "view"}, "1: view > cart > (end)\n"},
		{"collapsed repeats keep the session alive", `
u1 view 2026-03-02 10:00
u1 view 2026-03-02 10:25
u1 view 2026-03-02 10:50
u1 cart 2026-03-02 11:15
`, PathsQuery{From: "view"}, "1: view > cart > (end)\n"},
		{"session gap 0 disables sessions", `
u1 view 2026-03-02 10:00
u1 cart 2026-03-05 10:00
`, PathsQuery{From: "view", SessionGap: "0"}, "1: view > cart > (end)\n"},
		{"depth counts steps after the anchor; no (end) when the depth is reached", `
u1 view 2026-03-02 10:00
u1 a    2026-03-02 10:01
u1 b    2026-03-02 10:02
u1 c    2026-03-02 10:03
u2 view 2026-03-02 10:00
u2 a    2026-03-02 10:01
u2 b    2026-03-02 10:02
`, PathsQuery{From: "view", Depth: 2}, "2: view > a > b\n"},
		{"to: what users did before, (start) when the session began sooner", `
u1 a    2026-03-02 10:00
u1 b    2026-03-02 10:01
u1 cart 2026-03-02 10:02
u1 pay  2026-03-02 10:03
u1 pay  2026-03-02 10:04
`, PathsQuery{To: "pay"}, "1: (start) > a > b > cart > pay\n"},
		{"to with depth stops without (start)", `
u1 a    2026-03-02 10:00
u1 b    2026-03-02 10:01
u1 cart 2026-03-02 10:02
u1 pay  2026-03-02 10:03
`, PathsQuery{To: "pay", Depth: 2}, "1: b > cart > pay\n"},
		{"to collapses into the anchor and stops at a session gap", `
u1 x    2026-03-02 08:00
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 10:01
u1 cart 2026-03-02 10:02
`, PathsQuery{To: "cart"}, "1: (start) > view > cart\n"},
		{"only the first anchor starts a path; later ones are steps", `
u1 view 2026-03-02 10:00
u1 a    2026-03-02 10:01
u1 view 2026-03-02 10:02
u1 b    2026-03-02 10:03
u1 view 2026-03-02 10:04
`, PathsQuery{From: "view"}, "1: view > a > view > b > view\n"},
		{"equal timestamps keep storage order", `
u1 cart 2026-03-02 10:00
u1 view 2026-03-02 10:00
u1 pay  2026-03-02 10:00
`, PathsQuery{From: "view"}, "1: view > pay > (end)\n"},
		{"the date range picks the first anchor in range and ends paths", `
u1 view 2026-03-01 23:50
u1 a    2026-03-01 23:55
u1 view 2026-03-02 00:00
u1 b    2026-03-02 23:59
u1 c    2026-03-03 00:01
`, PathsQuery{Common: Common{From: "2026-03-02", To: "2026-03-02"}, From: "view", SessionGap: "0"},
			"1: view > b > (end)\n"},
		{"where: filtered events are not steps and do not keep a session", `
u1 view 2026-03-02 10:00 k=x
u1 a    2026-03-02 10:20
u1 b    2026-03-02 10:40 k=x
u2 view 2026-03-02 10:00
u2 b    2026-03-02 10:01 k=x
`, PathsQuery{Common: Common{Where: []string{"k = x"}}, From: "view"}, "1: view > (end)\n"},
		{"to: equal timestamps keep storage order, and the gap boundary is inclusive", `
u1 x    2026-03-02 08:59:59.999
u1 a    2026-03-02 09:30
u1 b    2026-03-02 10:00
u1 pay  2026-03-02 10:00
u1 c    2026-03-02 10:00
`, PathsQuery{To: "pay"}, "1: (start) > a > b > pay\n"},
		{"an anchor alone is a path of its own", `
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 12:00
`, PathsQuery{From: "view"}, "1: view > (end)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := textTimeline(t, time.UTC, c.data)
			if got := pathsLines(pathsRun(t, d, c.q)); got != c.want {
				t.Errorf("got\n%swant\n%s", got, c.want)
			}
		})
	}
}

func TestPathsTreeAndTransitions(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 10:01
u1 pay  2026-03-02 10:02
u2 view 2026-03-02 10:00
u2 cart 2026-03-02 10:01
u3 view 2026-03-02 10:00
u3 search 2026-03-02 10:01
u3 cart 2026-03-02 10:02
u4 view 2026-03-02 10:00
u5 home 2026-03-02 10:00
`)
	r := pathsRun(t, d, PathsQuery{From: "view", Depth: 2, Top: 2})
	if r.Users != 4 || r.DistinctPaths != 4 || len(r.Paths) != 2 {
		t.Fatalf("users %d distinct %d listed %d; want 4, 4, 2", r.Users, r.DistinctPaths, len(r.Paths))
	}
	var tree []string
	var walk func(n *PathNode, depth int)
	walk = func(n *PathNode, depth int) {
		tree = append(tree, strings.Repeat(" ", depth)+n.Event+" "+strconv.FormatInt(n.Users, 10)+" "+strconv.FormatFloat(float64(n.Share), 'f', 2, 64))
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	walk(r.Tree, 0)
	want := []string{
		"view 4 1.00",
		" cart 2 0.50",
		"  (end) 1 0.25",
		"  pay 1 0.25",
		" (end) 1 0.25",
		" search 1 0.25",
		"  cart 1 0.25",
	}
	if strings.Join(tree, "\n") != strings.Join(want, "\n") {
		t.Errorf("tree\n%s\nwant\n%s", strings.Join(tree, "\n"), strings.Join(want, "\n"))
	}
	var moves []string
	for _, tr := range r.Transitions {
		moves = append(moves, strconv.Itoa(tr.Step)+" "+tr.From+">"+tr.To+" "+strconv.FormatInt(tr.Users, 10))
	}
	// Top 2 per step; ties by name.
	wantMoves := "1 view>cart 2,1 view>(end) 1,2 cart>(end) 1,2 cart>pay 1"
	if strings.Join(moves, ",") != wantMoves {
		t.Errorf("transitions %s, want %s", strings.Join(moves, ","), wantMoves)
	}

	// For --to, transitions stay in time order while the tree grows back.
	r = pathsRun(t, d, PathsQuery{To: "cart", Depth: 2})
	moves = moves[:0]
	for _, tr := range r.Transitions {
		moves = append(moves, strconv.Itoa(tr.Step)+" "+tr.From+">"+tr.To+" "+strconv.FormatInt(tr.Users, 10))
	}
	wantMoves = "1 view>cart 2,1 search>cart 1,2 (start)>view 2,2 view>search 1"
	if strings.Join(moves, ",") != wantMoves {
		t.Errorf("to transitions %s, want %s", strings.Join(moves, ","), wantMoves)
	}
	if got := r.Tree.Children[0].Event; got != "view" {
		t.Errorf("to tree: first child %s, want view (the event just before cart)", got)
	}
}

func TestPathsErrors(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 view 2026-03-02 10:00\n")
	for _, c := range []struct {
		q    PathsQuery
		want string
	}{
		{PathsQuery{}, "exactly one anchor"},
		{PathsQuery{From: "view", To: "view"}, "exactly one anchor"},
		{PathsQuery{From: "veiw"}, "closest known: view"},
		{PathsQuery{From: "view", Depth: MaxPathDepth + 1}, "1 to 15 steps"},
		{PathsQuery{From: "view", Depth: -1}, "out of range"},
		{PathsQuery{From: "view", SessionGap: "soon"}, "--session-gap"},
	} {
		_, err := d.Paths(context.Background(), c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to mention %q", c.q, err, c.want)
		}
	}
	// Depth 10 and the maximum are supported.
	for _, depth := range []int{10, MaxPathDepth} {
		if _, err := d.Paths(context.Background(), PathsQuery{From: "view", Depth: depth}); err != nil {
			t.Errorf("depth %d: %v", depth, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Paths(ctx, PathsQuery{From: "view"}); err == nil {
		t.Error("a cancelled query must fail")
	}
}

func TestPathsEmptyAndSingleEvent(t *testing.T) {
	if _, err := NewDataset(nil, time.UTC).Paths(context.Background(), PathsQuery{From: "a"}); err == nil || !strings.Contains(err.Error(), "unknown event") {
		t.Errorf("paths on no data: err = %v, want unknown event", err)
	}
	one := textTimeline(t, time.UTC, "u1 a 2026-03-02 10:00\n")
	if got := pathsLines(pathsRun(t, one, PathsQuery{From: "a"})); got != "1: a > (end)\n" {
		t.Errorf("from: %q", got)
	}
	if got := pathsLines(pathsRun(t, one, PathsQuery{To: "a"})); got != "1: (start) > a\n" {
		t.Errorf("to: %q", got)
	}
	// An anchor outside the range leaves no users, and empty lists, not nulls.
	r := pathsRun(t, one, PathsQuery{From: "a", Common: Common{From: "2026-03-01", To: "2026-03-01"}})
	if r.Users != 0 || r.Paths == nil || r.Transitions == nil || len(r.Tables()[0].Rows) != 0 {
		t.Errorf("no anchor in range: %+v", r)
	}
}

// --segment keeps only its members, in paths and trends alike.
func TestPathsAndTrendsSegment(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-03-02 10:00
u1 cart 2026-03-02 10:01
u2 view 2026-03-02 10:00
u3 view 2026-03-03 10:00
u3 cart 2026-03-03 10:05
`)
	d.Segments = segmentWhere(func(id string) bool { return id != "u2" })
	r := pathsRun(t, d, PathsQuery{Common: Common{Segment: "not u2"}, From: "view"})
	if got := pathsLines(r); got != "2: view > cart > (end)\n" {
		t.Errorf("paths in segment: %q", got)
	}
	tr := trendsRun(t, d, TrendsQuery{Common: Common{Segment: "not u2"}, Measure: "users"})
	if got := trendsPoints(tr); got != "all events: 03-02=1 03-03=1\n" {
		t.Errorf("trends in segment: %q", got)
	}
}
