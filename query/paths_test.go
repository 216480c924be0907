package query

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
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
	// An anchor outside the range leaves no users, and empty lists, not nulls.
	r := pathsRun(t, one, PathsQuery{From: "a", Common: Common{From: "2026-03-01", To: "2026-03-01"}})
	if r.Users != 0 || r.Paths == nil || r.Transitions == nil || len(r.Tables(i18n.English)[0].Rows) != 0 {
		t.Errorf("no anchor in range: %+v", r)
	}
}
