package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The incident sample: android on 3.2 stops reaching checkout in the last
// two weeks; spoor why names that pair, for the count and the funnel.
func TestWhyFindsTheIncident(t *testing.T) {
	db := filepath.Join(t.TempDir(), "i.db")
	if code, _, errs := runCLI(t, "", "sample", "--scenario", "incident", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	periods := []string{"--before", "2026-06-03..2026-06-16", "--after", "2026-06-17..2026-06-30", "--format", "json"}
	for _, metric := range [][]string{{"--events", "begin_checkout"}, {"--steps", "view_item,begin_checkout"}} {
		code, out, errs := runCLI(t, "", append(append([]string{"why", "--db", db}, metric...), periods...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", metric, code, errs)
		}
		var r struct {
			Change       float64
			Explained    bool
			Contributors []struct {
				Property, Value string
				Contribution    float64
				Share           *float64
			}
			Drill *struct{ Users int }
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		top := r.Contributors[0]
		if top.Property != "device,app_version" || top.Value != "android,3.2" || !r.Explained || r.Drill == nil || r.Drill.Users == 0 {
			t.Errorf("%v: top %+v explained %v", metric, top, r.Explained)
		}
	}
	// A saved segment is a candidate too: in or out of it.
	if code, _, errs := runCLI(t, "", "segment", "create", "droid", "device = android", "--db", db); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := runCLI(t, "", append([]string{"why", "--db", db, "--events", "begin_checkout"}, periods...)...)
	if code != 0 || !strings.Contains(out, `"property": "segment:droid"`) {
		t.Errorf("segment candidate: exit %d %s", code, errs)
	}
	for _, f := range []string{"table", "csv", "markdown"} {
		code, out, errs := runCLI(t, "", "why", "--db", db, "--events", "begin_checkout", "--before", "2026-06-03..2026-06-16", "--after", "2026-06-17..2026-06-30", "--format", f)
		if code != 0 || !strings.Contains(out, "android,3.2") {
			t.Errorf("--format %s: exit %d %s", f, code, errs)
		}
	}
}

func TestWhyUsage(t *testing.T) {
	db := sampleDB(t)
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--before", "2026-06-01"}, "give both --before and --after"},
		{[]string{"--before", "2026-06-10..2026-06-01", "--after", "2026-06-11"}, "ends before it starts"},
		{[]string{"--before", "June", "--after", "2026-06-11"}, "cannot read"},
		{[]string{"--measure", "dau"}, "why explains total or users"},
		{[]string{"--steps", "view_item,purchase"}, "give the periods"},
		{[]string{"--props", "devise", "--before", "2026-06-01", "--after", "2026-06-02"}, "closest known: device"},
	} {
		code, _, errs := runCLI(t, "", append([]string{"why", "--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, errs, c.msg)
		}
	}
}
