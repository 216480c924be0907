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
