package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUserGolden(t *testing.T) {
	shop, edu := exShopDB(t), exEduDB(t)
	exGolden(t, "user_linked_table", "user", "u3", "--db", shop, "--format", "table")
	exGolden(t, "user_anon_csv", "user", "anon-3", "--db", shop, "--format", "csv")
	exGolden(t, "user_json", "user", "u5", "--db", shop, "--format", "json", "--tz", "Asia/Tokyo")
	exGolden(t, "user_edu_table", "user", "u2", "--db", edu, "--format", "table")
}

// TestUserLinks checks that every id of one person gives the same
// timeline, which holds the linked ids' events in time order.
func TestUserLinks(t *testing.T) {
	shop := exShopDB(t)
	var first Timeline
	for i, id := range []string{"u3", "anon-3", "dev-9"} {
		code, out, errs := exRun(t, "user", id, "--db", shop, "--format", "json")
		if code != 0 {
			t.Fatal(errs)
		}
		var tl Timeline
		if err := json.Unmarshal([]byte(out), &tl); err != nil {
			t.Fatal(err)
		}
		if tl.User != "u3" || strings.Join(tl.IDs, ",") != "u3,anon-3,dev-9" || tl.Asked != id {
			t.Fatalf("%s: user %s ids %v asked %s", id, tl.User, tl.IDs, tl.Asked)
		}
		seen := map[string]int{}
		for j, e := range tl.Events {
			seen[e.ID]++
			if j > 0 && tl.Events[j-1].Time > e.Time {
				t.Fatalf("%s: events out of order at %d", id, j)
			}
		}
		if seen["anon-3"] != 2 || seen["dev-9"] != 1 || seen["u3"] == 0 {
			t.Fatalf("%s: events by id %v", id, seen)
		}
		if i == 0 {
			first = tl
		} else if len(tl.Events) != len(first.Events) {
			t.Fatalf("%s: %d events, u3 has %d", id, len(tl.Events), len(first.Events))
		}
	}
}

func TestUserErrors(t *testing.T) {
	shop := exShopDB(t)
	code, _, errs := exRun(t, "user", "u33", "--db", shop)
	if code != 1 || !strings.Contains(errs, `unknown user "u33"; closest known ids: u3`) {
		t.Errorf("unknown user: exit %d %q", code, errs)
	}
	code, _, errs = exRun(t, "user", "zzzzzzzzzzzzzzzzzz", "--db", shop)
	if code != 1 || !strings.Contains(errs, "SELECT distinct_id FROM users") {
		t.Errorf("unknown user, nothing close: exit %d %q", code, errs)
	}
	if code, _, _ := exRun(t, "user", "--db", shop); code != 2 {
		t.Errorf("no id: exit %d", code)
	}
}
