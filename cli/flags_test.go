package cli

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Issue 14.19: a flag mistake is one line on stderr (with the closest
// flag for an unknown one), nothing on stdout, exit 2.
func TestFlagMistakes(t *testing.T) {
	db := exShopDB(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trends", "--form", "json"}, "unknown flag --form for spoor trends (did you mean --format, --from, --to?); spoor trends -h lists its flags"},
		{[]string{"funnel", "--steps", "a,b", "--windw", "1d"}, "did you mean --window"},
		{[]string{"segment", "show", "x", "--bogus"}, "unknown flag --bogus for spoor segment show; spoor segment show -h lists its flags"},
		{[]string{"trends", "--format", "xml"}, `invalid value "xml" for flag --format: unknown --format "xml"`},
		{[]string{"trends", "--tz", "Mars/Base", "--db", db}, `unknown timezone "Mars/Base"`},
		{[]string{"funnel", "--steps", "view,buy", "--tz", "Mars/Base", "--db", db}, `unknown timezone "Mars/Base"`},
		{[]string{"paths", "--from", "view", "--tz", "nowhere", "--db", db}, `unknown timezone "nowhere"`},
		{[]string{"user", "u1", "--tz", "nowhere", "--db", db}, `unknown timezone "nowhere"`},
		{[]string{"segment", "preview", "country = CN", "--tz", "nowhere", "--db", db}, `unknown timezone "nowhere"`},
		{[]string{"trends", "--db"}, "flag needs an argument: --db"},
	} {
		code, out, errs := runCLI(t, "", c.args...)
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("spoor %s: exit %d, stdout %q, stderr %q; want exit 2, no stdout, one line with %q",
				strings.Join(c.args, " "), code, out, errs, c.want)
		}
	}
}

func TestHelpFlag(t *testing.T) {
	code, out, errs := runCLI(t, "", "trends", "-h")
	if code != 0 || errs != "" || !strings.HasPrefix(out, "usage: spoor trends") || !strings.Contains(out, "-measure") {
		t.Errorf("trends -h: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// A flag a command accepts only to say what to give instead is not listed
// by -h, and giving it still gets that answer; a value given before -h is
// not shown as the default.
func TestHelpListsWhatWorks(t *testing.T) {
	db := exShopDB(t)
	for _, c := range []struct {
		cmd, flag, hint string
		args            []string
	}{
		{"attribution", "-by", "attribution takes no --by", []string{"--conversion", "purchase", "--touch", "country", "--by", "country"}},
		{"why", "-from", "why compares two periods", []string{"--from", "2024-01-01"}},
	} {
		code, out, _ := runCLI(t, "", c.cmd, "-h")
		if code != 0 || strings.Contains(out, "  "+c.flag+" ") || !strings.Contains(out, "  -where ") {
			t.Errorf("%s -h: exit %d, lists %s (or not --where):\n%s", c.cmd, code, c.flag, out)
		}
		args := append(append([]string{c.cmd}, c.args...), "--db", db)
		code, _, errs := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errs, c.hint) {
			t.Errorf("spoor %s: exit %d, stderr %q; want exit 2 with %q", strings.Join(args, " "), code, errs, c.hint)
		}
	}
	if _, out, _ := runCLI(t, "", "funnel", "--window", "3d", "-h"); !strings.Contains(out, `(default "7d")`) {
		t.Errorf("funnel --window 3d -h shows another default:\n%s", out)
	}
}

// A --db in a directory that does not exist says so, for reading and for
// creating a database, instead of "no database" or "read-only".
func TestDBDirectoryMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	csv := filepath.Join(t.TempDir(), "e.csv")
	if err := os.WriteFile(csv, []byte("user_id,event,time\nu1,a,2024-01-01 10:00:00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"trends", "--db", filepath.Join(dir, "x.db")},
		{"import", csv, "--db", filepath.Join(dir, "x.db")},
		{"sample", "--db", filepath.Join(dir, "x.db")},
	} {
		code, _, errs := runCLI(t, "", args...)
		if code != 1 || !strings.Contains(errs, "the directory "+dir+" does not exist") || strings.Contains(errs, "read-only") {
			t.Errorf("spoor %s: exit %d, %q", strings.Join(args, " "), code, errs)
		}
	}
}

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args       []string
		pos        []string
		where, fmt string
		users      bool
	}{
		{[]string{"a", "--format", "json", "b"}, []string{"a", "b"}, "", "json", false},
		{[]string{"--where=x = 1", "--users", "a"}, []string{"a"}, "x = 1", "", true},
		{[]string{"--", "--format", "json"}, []string{"--format", "json"}, "", "", false},
		{[]string{"--format", "csv", "--", "-x"}, []string{"-x"}, "", "csv", false},
		{[]string{"-- note\nselect 1"}, []string{"-- note\nselect 1"}, "", "", false},
		{[]string{"- 1", "-"}, []string{"- 1", "-"}, "", "", false},
		{[]string{"--where", "-- not a flag", "q"}, []string{"q"}, "-- not a flag", "", false},
		{[]string{"--users=false", "q", "--format=json"}, []string{"q"}, "", "json", false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		where := fs.String("where", "", "")
		format := fs.String("format", "", "")
		users := fs.Bool("users", false, "")
		if err := parse(fs, c.args); err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(fs.Args(), c.pos) && !(len(c.pos) == 0 && fs.NArg() == 0) || *where != c.where || *format != c.fmt || *users != c.users {
			t.Errorf("%q: args %q where %q format %q users %v", c.args, fs.Args(), *where, *format, *users)
		}
	}
}

// Issue 20.10: SQL that starts with a comment is the query, not a flag.
func TestSQLStartingWithDash(t *testing.T) {
	db := exShopDB(t)
	for _, args := range [][]string{
		{"sql", "-- how many\nselect 7 as n", "--db", db, "--format", "csv"},
		{"sql", "--db", db, "--format", "csv", "--", "-- how many\nselect 7 as n"},
	} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || out != "n\n7\n" {
			t.Errorf("spoor %q: exit %d, %q, %q", args, code, out, errs)
		}
	}
}
