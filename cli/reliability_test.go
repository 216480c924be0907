package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// Reliability of the command line (issue 8): no input reaches the user as
// a panic, a hang or a zero exit status that hides a mistake.

// safeRun runs one command line in-process, turning a panic into a test
// failure with its stack and a hang into a failure after a timeout.
func safeRun(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type result struct {
		code     int
		out, err string
		panicked string
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		var out, errb bytes.Buffer
		defer func() {
			if r := recover(); r != nil {
				done <- result{panicked: fmt.Sprintf("%v\n%s", r, debug.Stack())}
			}
		}()
		c := Run(ctx, nil, args, strings.NewReader(stdin), &out, &errb)
		done <- result{code: c, out: out.String(), err: errb.String()}
	}()
	select {
	case r := <-done:
		if r.panicked != "" {
			t.Fatalf("spoor %q panicked: %s", args, r.panicked)
		}
		return r.code, r.out, r.err
	case <-time.After(60 * time.Second):
		t.Fatalf("spoor %q did not finish in 60s", args)
	}
	return
}

// cmdLines are invocations of every registered command (subcommands too)
// that are valid apart from the garbage appended to them.
var cmdLines = [][]string{
	{"info"}, {"events"}, {"props"}, {"user", "u1"}, {"sql", "SELECT 1"}, {"doctor"},
	{"trends", "--events", "view_item"}, {"funnel", "--steps", "page_view,purchase"},
	{"paths", "--from", "page_view"}, {"retention"}, {"lifecycle"},
	{"segment", "list"}, {"segment", "preview", "did purchase"}, {"segment", "create", "s1", "did purchase"},
	{"segment", "rfm", "--revenue", "price"}, {"segment", "stages"},
	{"audience", "list"}, {"audience", "preview", "did purchase"}, {"audience", "refresh"}, {"audience", "backtest", "a1", "--goal", "purchase"},
	{"alerts", "list"}, {"alerts", "run"}, {"alerts", "add", "a1", "--metric", "--events purchase"},
	{"experiment", "--variant", "utm_source", "--goal", "purchase"}, {"attribution", "--conversion", "purchase", "--touch", "utm_source"}, {"churn"}, {"forecast"}, {"survival", "--start", "page_view", "--event", "purchase"}, {"match", "--conditions", "page_view,purchase", "--pattern", "(?1).*(?2)"}, {"why", "--before", "2024-01-01", "--after", "2024-01-02"},
	{"run", "spec.json"}, {"import", "e.csv"}, {"sample", "--out", "s.csv"}, {"demo"},
	{"push", "--to", "clickhouse://127.0.0.1:1/db?table=t"},
	{"recommend", "--item", "product_id"},
}

// garbage are flag values no command may accept silently.
var garbage = [][]string{
	{"--from", "notadate"}, {"--to", "2024-13-45"}, {"--last", "-3d"}, {"--last", "forever"},
	{"--window", "-3d"}, {"--window", "abc"}, {"--steps", ",,,"}, {"--format", "bogus"},
	{"--where", "==="}, {"--where", "price >"}, {"--tz", "Mars/Phobos"}, {"--period", "fortnight"},
	{"--depth", "-1"}, {"--depth", "99999999999999999999"}, {"--top", "-5"}, {"--no-such-flag"},
	{"--segment", "no-such-segment"}, {"--from", "2024-05-01", "--to", "2024-04-01"},
	{"--db", "/nonexistent/dir/x.db"}, {"--db", "/dev/null"}, {"--db", "."}, {"--db"},
}

func TestGarbageFlagsNeverPanic(t *testing.T) {
	db := exShopDB(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "spec.json"), []byte(`{"analysis":"funnel","steps":[{"event":"page_view"},{"event":"purchase"}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "e.csv"), []byte("user_id,event,time\nu1,a,2024-01-01\n"), 0o644)
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	covered := map[string]bool{}
	for _, line := range cmdLines {
		covered[line[0]] = true
		for _, g := range garbage {
			args := append(append([]string{}, line...), g...)
			if g[0] != "--db" {
				args = append(args, "--db", db)
			}
			code, _, stderr := safeRun(t, "", args...)
			if code != 1 && code != 2 {
				t.Errorf("spoor %q: exit %d, want 1 or 2\n%s", args, code, stderr)
			} else if strings.TrimSpace(stderr) == "" {
				t.Errorf("spoor %q: exit %d without a message", args, code)
			}
		}
	}
	for _, name := range commandNames() {
		if !covered[name] {
			t.Errorf("command %q has no line in cmdLines", name)
		}
	}
}
