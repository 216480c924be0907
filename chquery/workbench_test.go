package chquery

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// TestFreshSeesPushedColumns: a push while the workbench is open gives a
// new key q a column on the sharded table and stores its events there.
// The engine opened before still reads q from the arrays (none of its
// events); Fresh reads the columns again and its engine counts them as
// the local engine does (q's values, a funnel filtered on q). Unchanged
// columns keep the engine, as does the single server's table, whose
// properties are all in the arrays.
func TestFreshSeesPushedColumns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := f.load([]query.RawEvent{propEventAt("u1", "view", 10, 0, "x"), propEventAt("u2", "view", 10, 0, "y")}, time.UTC)
	old := b.sharded
	b.sharded = nil // the harness adds columns only before engines read them
	more := []query.RawEvent{
		{User: "u1", Event: "buy", Time: hourAt(10, 5), Props: map[string]string{"q": "1"}},
		{User: "u2", Event: "buy", Time: hourAt(10, 6), Props: map[string]string{"q": "2"}},
		{User: "u3", Event: "view", Time: hourAt(10, 7), Props: map[string]string{"q": "1"}},
	}
	f.add(b, more)
	b.sharded = old
	if values, _, err := old.Values(ctx, "q"); err != nil || len(values) != 0 {
		t.Fatalf("the engine opened before the push: values of q %v, %v; want none (it reads the arrays)", values, err)
	}
	fresh, changed, err := old.Fresh(ctx)
	if err != nil || !changed || fresh == old {
		t.Fatalf("Fresh after a push added a column: changed %v, %v", changed, err)
	}
	values, counts, err := fresh.Values(ctx, "q")
	if err != nil || !slices.Equal(values, []string{"1", "2"}) || !slices.Equal(counts, []int{2, 1}) {
		t.Fatalf("values of q %v %v, %v; want 1 2 counted 2 1", values, counts, err)
	}
	b.sharded = fresh
	q := query.FunnelQuery{Steps: []query.FunnelStep{{Event: "view"}, {Event: "buy", Where: []string{"q = 1"}}}, Window: "1h"}
	if users, _ := stepFigures(sameFunnel(t, b, q)); !slices.Equal(users, []int{3, 1}) {
		t.Fatalf("view then buy where q = 1: users %v, want 3 1", users)
	}
	for _, e := range []*Engine{fresh, b.single} {
		if again, changed, err := e.Fresh(ctx); err != nil || changed || again != e {
			t.Fatalf("Fresh with the same columns: changed %v, a new engine %v, %v", changed, again != e, err)
		}
	}
}
