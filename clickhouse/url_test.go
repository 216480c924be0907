package clickhouse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	env := func(k string) string {
		if k == PasswordEnv {
			return "from-env"
		}
		return ""
	}
	cases := []struct {
		raw                         string
		user, pass, addr, db, table string
		cluster, schema             string
		cols                        [3]string
	}{
		{raw: "clickhouse://h/db?table=t", user: "default", pass: "from-env", addr: "h:8123", db: "db", table: "t", schema: "spoor"},
		{raw: "clickhouse://ann:s%40cret@10.0.0.1:9123/analytics?table=events&cluster=c1", user: "ann", pass: "s@cret", addr: "10.0.0.1:9123", db: "analytics", table: "events", cluster: "c1", schema: "spoor"},
		{raw: "clickhouse://h:8123?table=events&schema=posthog", user: "default", pass: "from-env", addr: "h:8123", db: "default", table: "events", schema: "posthog"},
		{raw: "CLICKHOUSE://u@[::1]:8123/d?table=e&user=uid&event=name&time=ts", user: "u", pass: "from-env", addr: "[::1]:8123", db: "d", table: "e", schema: "columns", cols: [3]string{"uid", "name", "ts"}},
	}
	for _, c := range cases {
		s, err := ParseURL(c.raw, env)
		if err != nil {
			t.Errorf("%s: %v", c.raw, err)
			continue
		}
		got := [...]string{s.User, s.password, s.Addr(), s.Database, s.Table, s.Cluster, s.Schema, s.UserCol, s.EventCol, s.TimeCol}
		want := [...]string{c.user, c.pass, c.addr, c.db, c.table, c.cluster, c.schema, c.cols[0], c.cols[1], c.cols[2]}
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", c.raw, got, want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for raw, want := range map[string]string{
		"clickhouse://h/db":                               "names no table",
		"clickhouse:///db?table=t":                        "names no host",
		"clickhouse://h:99999/db?table=t":                 "not a port number",
		"clickhouse://h/db?table=t&tabel=x":               `unknown parameter "tabel"`,
		"clickhouse://h/db?table=t&schema=mixpanel":       "known schemas are posthog",
		"clickhouse://h/db?table=t&user=u&event=e":        "all three",
		"clickhouse://h/db?table=t&schema=posthog&user=u": "not both",
		"clickhouse://h/db?table=t;DROP":                  "separated by &",
		"clickhouse://h/db?table=t%3BDROP":                "characters spoor does not accept",
		"clickhouse://h/db?table=t&table=u":               "twice",
		"clickhouse://h/db?table=t&shards=a,b":            "HOST:HTTP_PORT",
		"postgres://h/db":                                 "starts with clickhouse://",
		"clickhouse://u:pa%zzword@h/db?table=t":           "write % as %25",
		"clickhouse://u:secretword@h:port/db?table=t":     "not a number",
	} {
		_, err := ParseURL(raw, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error saying %q", raw, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "secretword") || strings.Contains(err.Error(), "zzword")) {
			t.Errorf("%s: the error shows the password: %v", raw, err)
		}
	}
}

// The password appears in no way a Source can be printed.
func TestSourceRedacts(t *testing.T) {
	s, err := ParseURL("clickhouse://ann:hunter2@h:8123/db?table=t&cluster=c", nil)
	if err != nil {
		t.Fatal(err)
	}
	const want = "clickhouse://ann:***@h:8123/db?cluster=c&table=t"
	for _, got := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), fmt.Sprint(*s), fmt.Sprintf("%+v", *s)} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("printed the password: %s", got)
		}
	}
	if s.String() != want {
		t.Errorf("String() = %s, want %s", s, want)
	}
	if !s.HasPassword() {
		t.Error("HasPassword is false")
	}
	// The environment's password is not marked in the URL it came with.
	s, _ = ParseURL("clickhouse://h/db?table=t", func(string) string { return "hunter2" })
	if got := s.String(); got != "clickhouse://default:***@h:8123/db?table=t" {
		t.Errorf("String() = %s", got)
	}
}

// TestSplitTabs: rows cut from one slab hold their own fields, empty ones
// included, and appending to a row never writes into the next.
func TestSplitTabs(t *testing.T) {
	var slab []string
	lines := []string{"a\tb\tc", "", "\t", "x\t\ty", "one"}
	want := [][]string{{"a", "b", "c"}, {""}, {"", ""}, {"x", "", "y"}, {"one"}}
	var rows [][]string
	for _, l := range lines {
		var row []string
		row, slab = splitTabs(l, slab)
		rows = append(rows, row)
	}
	if grown := append(rows[0], "appended"); grown[3] != "appended" {
		t.Fatalf("append gave %q", grown)
	}
	for i, row := range rows {
		if !slices.Equal(row, want[i]) {
			t.Errorf("line %q: got %q, want %q", lines[i], row, want[i])
		}
	}
	// A row longer than the slab's rest takes a new slab.
	long := strings.Repeat("f\t", 2000) + "f"
	row, _ := splitTabs(long, make([]string, 3))
	if len(row) != 2001 || row[0] != "f" || row[2000] != "f" {
		t.Errorf("a 2,001-field row came back with %d fields", len(row))
	}
}
