package segment

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/spoorhq/spoor/query"
)

// TestTaobaoAgainstNaive evaluates audience-style rules on the public
// Taobao UserBehavior sample (43 complete histories, China time) and
// checks every membership against the naive reference.
func TestTaobaoAgainstNaive(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "taobao-userbehavior", "UserBehavior.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("public dataset not available (%v); see /work/shared/data", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var evs []query.RawEvent
	for _, r := range rows { // user_id, item_id, category_id, behavior_type, timestamp (s)
		sec, err := strconv.ParseInt(r[4], 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		evs = append(evs, query.RawEvent{User: r[0], Event: r[3], Time: sec * 1000,
			Props: map[string]string{"item_id": r[1], "category_id": r[2]}})
	}
	loc := mustLoc(t, "Asia/Shanghai")
	d := query.NewDataset(evs, loc)
	if len(d.Users) != 43 || d.Len() != 4321 {
		t.Fatalf("%d users, %d events: not the documented sample", len(d.Users), d.Len())
	}
	byUser := map[string][]query.RawEvent{}
	for _, e := range evs {
		byUser[e.User] = append(byUser[e.User], e)
	}
	for _, list := range byUser {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Time < list[j].Time })
	}
	ref := naive{loc: loc, maxT: d.MaxTime}
	exprs := []string{
		"did cart then not buy within 24h",
		"did cart then buy within 1h",
		"streak pv by category_id >= 3 days without buy",
		"streak pv by item_id >= 2 days",
		"streak pv >= 9 days",
		"active in 3d and silent for 1d",
		"did buy >= 2 in 7d and not did fav",
		"did pv where category_id = 4756105 >= 3",
		"first_seen before 2017-11-25 or last_seen within 12h",
	}
	ctx := context.Background()
	matched := 0
	for _, expr := range exprs {
		n, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Evaluate(ctx, d, expr)
		if err != nil {
			t.Fatal(err)
		}
		some := 0
		for p, u := range d.Users {
			if want := ref.eval(n, byUser[u]); got[p] != want {
				t.Errorf("%s, user %s: got %v, naive %v", expr, u, got[p], want)
			}
			if got[p] {
				some++
			}
		}
		if some > 0 && some < len(d.Users) {
			matched++
		}
		t.Logf("%-55s %2d of %d users", expr, some, len(d.Users))
	}
	if matched < len(exprs)/2 {
		t.Errorf("only %d of %d rules split the users: the check is too weak", matched, len(exprs))
	}
}
