package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// nullFixtureDB holds three users (UTC):
//
//	u1  signup 01-01 10:00, view 01-01 11:00, buy 01-03 10:00  (country US, variant A on signup)
//	u2  signup 01-01 12:00                                      (country US)
//	u3  view 01-05 09:00                                        (country CN)
func nullFixtureDB(t *testing.T) string {
	t.Helper()
	return fixtureDB(t, fixture{db: "n.db", file: "e.csv", content: "user_id,event,time,country,variant\n" +
		"u1,signup,2024-01-01 10:00:00,US,A\n" +
		"u1,view,2024-01-01 11:00:00,US,\n" +
		"u1,buy,2024-01-03 10:00:00,US,\n" +
		"u2,signup,2024-01-01 12:00:00,US,\n" +
		"u3,view,2024-01-05 09:00:00,CN,\n"})
}

// jsonOf runs spoor with --format json and decodes the result.
func jsonOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runCLI(t, "", append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("spoor %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("spoor %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// pick walks a decoded JSON value by keys and indexes.
func pick(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// Issue 14.20: an undefined ratio is null, never 0; an empty list is [].
func TestJSONUndefinedIsNull(t *testing.T) {
	db := nullFixtureDB(t)
	f := jsonOf(t, "funnel", "--steps", "signup,buy,view,buy", "--db", db, "--interval", "day")
	// signup 2 users; buy 1 (u1); no view after it (0 of 1); so the
	// second buy follows a step nobody reached: 0/0.
	steps := f["steps"]
	for i, want := range []any{1.0, 0.5, 0.0, nil} {
		if got := pick(steps, i, "step_conversion"); got != want {
			t.Errorf("funnel step %d step_conversion = %v, want %v", i+1, got, want)
		}
	}
	if got := pick(steps, 3, "conversion"); got != 0.0 {
		t.Errorf("funnel step 4 conversion = %v, want 0 (0 of 2)", got)
	}
	// Nobody started on 01-02: its trend conversion is undefined.
	trend := map[string]any{}
	for _, p := range f["trend"].([]any) {
		trend[pick(p, "t").(string)] = pick(p, "conversion")
	}
	if trend["2024-01-01"] != 0.0 || trend["2024-01-02"] != nil {
		t.Errorf("funnel trend conversions %v, want 0 on 01-01 and null on 01-02", trend)
	}

	empty := jsonOf(t, "funnel", "--steps", "signup,view", "--from", "2030-01-01", "--to", "2030-01-02", "--db", db)
	for i := range 2 {
		if c, sc := pick(empty, "steps", i, "conversion"), pick(empty, "steps", i, "step_conversion"); c != nil || sc != nil {
			t.Errorf("funnel on an empty range, step %d: conversion %v, step_conversion %v; want null", i+1, c, sc)
		}
	}

	avg := jsonOf(t, "trends", "--measure", "avg", "--from", "2024-01-01", "--to", "2024-01-03", "--db", db)
	pts := pick(avg, "series", 0, "points").([]any)
	got := []any{pick(pts, 0, "value"), pick(pts, 1, "value"), pick(pts, 2, "value")}
	if want := []any{1.5, nil, 1.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("trends avg per day %v, want %v (3 events of 2 users; nobody on 01-02; 1 of 1)", got, want)
	}
	if tot := pick(avg, "series", 0, "total"); tot != 4.0/2 {
		t.Errorf("trends avg total %v, want 2 (4 events of u1 and u2)", tot)
	}
	none := jsonOf(t, "trends", "--measure", "avg", "--from", "2030-01-01", "--to", "2030-01-01", "--db", db)
	if v, tot := pick(none, "series", 0, "points", 0, "value"), pick(none, "series", 0, "total"); v != nil || tot != nil {
		t.Errorf("trends avg with no active user: value %v total %v, want null", v, tot)
	}

	// No one was active in the 30 days up to 2023-12-31: no DAU/MAU ratio.
	st := jsonOf(t, "trends", "--measure", "stickiness", "--from", "2023-12-31", "--to", "2024-01-01", "--db", db)
	pts = pick(st, "series", 0, "points").([]any)
	if v0, v1 := pick(pts, 0, "value"), pick(pts, 1, "value"); v0 != nil || v1 != 1.0 {
		t.Errorf("stickiness %v, %v; want null on 12-31 and 1 on 01-01 (2 of 2 monthly users active)", v0, v1)
	}

	ex := jsonOf(t, "experiment", "--variant", "variant", "--goal", "buy", "--from", "2024-01-04", "--db", db)
	if v, ok := ex["variants"].([]any); !ok || len(v) != 0 {
		t.Errorf("experiment with no exposure: variants %#v, want []", ex["variants"])
	}
}

// Issue 14.18: a --where value no event has, or a range outside the data,
// still answers (exit 0) and says why on stderr.
func TestEmptyResultNotes(t *testing.T) {
	db := nullFixtureDB(t)
	for _, c := range []struct {
		args []string
		note string
	}{
		{[]string{"trends", "--where", "country = us"}, `spoor: note: --where "country = us": no event has country "us"; closest stored values: "US"`},
		{[]string{"funnel", "--steps", "signup,buy", "--from", "2030-01-01"}, "spoor: note: the date range from 2030-01-01 lies outside the data, which runs from 2024-01-01 to 2024-01-05"},
		{[]string{"retention", "--where", "country = cn"}, `closest stored values: "CN"`},
		{[]string{"lifecycle", "--to", "2023-12-01"}, "the date range up to 2023-12-01 lies outside the data"},
		{[]string{"paths", "--from", "signup", "--where", "country = us"}, `no event has country "us"`},
		{[]string{"experiment", "--variant", "variant", "--goal", "buy", "--where", "country = us"}, `no event has country "us"`},
	} {
		code, out, errs := runCLI(t, "", append(c.args, "--db", db, "--format", "csv")...)
		if code != 0 || out == "" || strings.TrimSpace(errs) != c.note && !strings.Contains(errs, c.note) {
			t.Errorf("spoor %s: exit %d, stderr %q; want exit 0 and %q", strings.Join(c.args, " "), code, errs, c.note)
		}
	}
	spec := filepath.Join(t.TempDir(), "l.json")
	if err := os.WriteFile(spec, []byte(`{"analysis": "lifecycle", "where": ["country = us"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "", "run", spec, "--db", db, "--format", "csv"); code != 0 || !strings.Contains(errs, `closest stored values: "US"`) {
		t.Errorf("spoor run: exit %d, stderr %q; want the note", code, errs)
	}
	if code, _, errs := runCLI(t, "", "trends", "--where", "country = US", "--db", db); code != 0 || errs != "" {
		t.Errorf("a matching filter: exit %d, stderr %q; want no note", code, errs)
	}
}

// Issue 14.21: lifecycle, paths and experiment take --by, a segment too
// (members labelled by its name, the others "not NAME").
func TestByEveryAnalysis(t *testing.T) {
	db := nullFixtureDB(t)
	if code, _, errs := runCLI(t, "", "segment", "create", "buyers", "did buy", "--db", db); code != 0 {
		t.Fatalf("segment create: %s", errs)
	}
	groups := func(args ...string) map[string]any {
		v := jsonOf(t, append(args, "--db", db)...)
		out := map[string]any{}
		for _, g := range v["breakdown"].([]any) {
			g := g.(map[string]any)
			out[g["value"].(string)] = g["users"]
		}
		return out
	}
	// u1 bought; u2 and u3 did not. Lifecycle counts the users active
	// before the range ends, paths the users who did the anchor.
	if got, want := groups("lifecycle", "--by", "segment:buyers"), map[string]any{"buyers": 1.0, "not buyers": 2.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("lifecycle --by segment:buyers: %v, want %v", got, want)
	}
	if got, want := groups("lifecycle", "--by", "country"), map[string]any{"US": 2.0, "CN": 1.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("lifecycle --by country: %v, want %v", got, want)
	}
	if got, want := groups("paths", "--from", "view", "--by", "segment:buyers"), map[string]any{"buyers": 1.0, "not buyers": 1.0}; !reflect.DeepEqual(got, want) {
		t.Errorf("paths --by segment:buyers: %v, want %v", got, want)
	}
	for _, cmd := range []string{"lifecycle", "paths", "experiment"} {
		if code, out, _ := runCLI(t, "", cmd, "-h"); code != 0 || !strings.Contains(out, "\n  -by string") {
			t.Errorf("spoor %s -h does not list --by:\n%s", cmd, out)
		}
	}
	ex := jsonOf(t, "experiment", "--variant", "variant", "--goal", "buy", "--by", "segment:buyers", "--db", db)
	if b := ex["breakdown"].([]any); len(b) != 1 || pick(b, 0, "value") != "buyers" || pick(b, 0, "variants", 0, "conversions") != 1.0 {
		t.Errorf("experiment --by segment:buyers: %v", ex["breakdown"])
	}
}
