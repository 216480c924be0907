package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/clickhouse/chtest"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// exportedUsers runs spoor audience users and returns the users in the file.
func exportedUsers(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, errs := runCLI(t, "", append([]string{"audience", "users"}, append(args, "--format", "json")...)...)
	if code != 0 {
		t.Fatalf("audience users %v: exit %d %s", args, code, errs)
	}
	var l []struct{ User string }
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	var us []string
	for _, m := range l {
		us = append(us, m.User)
	}
	return us, errs
}

// TestAudienceHoldout: export with a holdout, export again, then events
// arrive and the report counts them per group.
func TestAudienceHoldout(t *testing.T) {
	var evs []store.Event
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).UnixMilli()
	for i := 1; i <= 40; i++ {
		evs = append(evs, store.Event{User: fmt.Sprint("u", i), Name: "add_to_cart", Time: day})
	}
	evs = append(evs, store.Event{User: "u99", Name: "purchase", Time: day})
	db := fixtureDB(t, fixture{db: "h.db", file: "h.csv", events: evs})
	if code, _, errs := runCLI(t, "", "audience", "create", "cart", "did add_to_cart", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	var treated, control []string
	for i := 1; i <= 40; i++ {
		u := fmt.Sprint("u", i)
		if segment.Held("cart", u, 0.25) {
			control = append(control, u)
		} else {
			treated = append(treated, u)
		}
	}
	got, errs := exportedUsers(t, "cart", "--holdout", "25%", "--goal", "purchase", "--db", db)
	slices.Sort(got)
	want := slices.Sorted(slices.Values(treated))
	if !slices.Equal(got, want) || !strings.Contains(errs, fmt.Sprintf("%d users in the file, %d held out", len(treated), len(control))) {
		t.Fatalf("exported %v, want %v; %s", got, want, errs)
	}
	// Again without --holdout: the control group is still left out, and
	// nothing is recorded (the file keeps its bytes).
	sum := sha(t, db)
	got2, errs := exportedUsers(t, "cart", "--db", db)
	slices.Sort(got2)
	if !slices.Equal(got2, want) || !strings.Contains(errs, "not recorded") || sha(t, db) != sum {
		t.Fatalf("unrecorded export %v; %s", got2, errs)
	}
	// Again at 50%: everyone keeps the group of the first export.
	got3, _ := exportedUsers(t, "cart", "--holdout", "50", "--db", db)
	slices.Sort(got3)
	if !slices.Equal(got3, want) {
		t.Fatalf("re-export at 50%%: %v, want %v", got3, want)
	}
	// Purchases after the exports: two treated and one held-out person,
	// plus one treated person's purchase long after the 14-day window.
	soon := time.Now().Add(time.Hour).UnixMilli()
	late := time.Now().Add(20 * 24 * time.Hour).UnixMilli()
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.BeginImport(t.Context(), store.ImportInfo{File: "later.csv", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []store.Event{
		{User: treated[0], Name: "purchase", Time: soon}, {User: treated[1], Name: "purchase", Time: soon},
		{User: control[0], Name: "purchase", Time: soon}, {User: treated[2], Name: "purchase", Time: late},
	} {
		if err := tx.Add(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(t.Context(), store.ImportStats{RowsRead: 4}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, errs := runCLI(t, "", "audience", "report", "cart", "--db", db, "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"treated", "control", "lift", "ci_low", "ci_high", "p_value", "incremental"} {
		if _, ok := r[k]; !ok {
			t.Errorf("no key %q in %s", k, out)
		}
	}
	nt, nc := float64(len(treated)), float64(len(control))
	tr, co := r["treated"].(map[string]any), r["control"].(map[string]any)
	if tr["users"] != nt || tr["converted"] != 2.0 || co["users"] != nc || co["converted"] != 1.0 || r["goal"] != "purchase" || r["exports"] != 2.0 {
		t.Errorf("report %s", out)
	}
	if lift := r["lift"].(float64); fmt.Sprintf("%.6f", lift) != fmt.Sprintf("%.6f", (2/nt)/(1/nc)-1) {
		t.Errorf("lift %v", lift)
	}
	if inc := r["incremental"].(float64); fmt.Sprintf("%.6f", inc) != fmt.Sprintf("%.6f", 2-nt/nc) {
		t.Errorf("incremental %v", inc)
	}
	// A 30-day window takes in the late purchase.
	code, out, _ = runCLI(t, "", "audience", "report", "cart", "--window", "30d", "--db", db, "--format", "csv")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("treated,%d,3,", len(treated))) {
		t.Errorf("30d: %s", out)
	}
	// On ClickHouse, the exports read from this database (--segments) and
	// the conversions counted on the server, one server and the cluster:
	// the same report, notes and errors.
	t.Run("clickhouse", func(t *testing.T) {
		c := chtest.Get(t)
		name := c.NewDatabase(t)
		for _, url := range []string{c.URL(0, name, "table=one"), c.URL(0, name, "table=two&cluster="+chtest.ClusterName)} {
			if code, _, errs := runCLI(t, "", "push", "--db", db, "--to", url, "--quiet"); code != 0 {
				t.Fatal(errs)
			}
			for _, args := range [][]string{
				{"audience", "report", "cart", "--format", "json"},
				{"audience", "report", "cart", "--window", "30d", "--format", "csv"},
				{"audience", "report", "cart", "--window", "1h", "--goal", "purchase"},
				{"audience", "report", "cart", "--goal", "purchse"},
				{"audience", "report", "nocart"},
			} {
				lc, lo, le := runCLI(t, "", append(args, "--db", db)...)
				cc, co, ce := runCLI(t, "", append(args, "--db", url, "--segments", db)...)
				if lc != cc || lo != co || le != ce {
					t.Errorf("%v on %s:\nlocal (%d) %s%s\nclickhouse (%d) %s%s", args, url, lc, lo, le, cc, co, ce)
				}
			}
		}
	})
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"users", "cart", "--holdout", "0%"}, 2, "above 0 and below 100"},
		{[]string{"users", "cart", "--holdout", "100"}, 2, "above 0 and below 100"},
		{[]string{"users", "cart", "--goal", "purchase"}, 2, "add --holdout"},
		{[]string{"users", "cart", "--holdout", "10%", "--goal", "purchse"}, 2, "closest known: purchase"},
		{[]string{"report", "cart", "--goal", "nope"}, 2, "unknown event"},
		{[]string{"report", "nocart"}, 1, "no audience"},
	} {
		code, _, errs := runCLI(t, "", append(append([]string{"audience"}, c.args...), "--db", db)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d %s", c.args, code, errs)
		}
	}
	if code, _, errs := runCLI(t, "", "audience", "create", "other", "did purchase", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := runCLI(t, "", "audience", "report", "other", "--goal", "purchase", "--db", db); code != 1 || !strings.Contains(errs, "no export with a holdout") {
		t.Errorf("report without export: %d %s", code, errs)
	}
}
