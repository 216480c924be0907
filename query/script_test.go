package query

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestScripts runs the hand-checked timelines in testdata/*.test, in the
// manner of Prometheus' promqltest: a case loads a timeline, runs a query
// and expects a result, so a new case is a text edit. A file reads
//
//	# the case's name (the comment just before load)
//	load [tz=ZONE]
//		USER EVENT YYYY-MM-DD HH:MM[:SS[.mmm]] [PROP=VALUE ...]
//
//	eval ANALYSIS {the query as in a spec file, without "analysis"}
//		expected output, one line per line
//
// Timeline times are read in the load's zone (default UTC), which is also
// the dataset's display timezone. An eval's output is the analysis's
// rendering in scriptOutput (funnel, paths, trends, retention, lifecycle).
// Indented lines belong to the command above them; blank lines and other
// comments are ignored.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.test files (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			runScript(t, file, string(src))
		})
	}
}

// scriptCmd is a command line and the indented lines under it.
type scriptCmd struct {
	line  int
	name  string // the comment above the command
	words string
	body  []string
}

func parseScript(t *testing.T, file, src string) []scriptCmd {
	var cmds []scriptCmd
	comment := ""
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimRight(raw, " \t\r")
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "#"):
			comment = strings.TrimSpace(strings.TrimPrefix(line, "#"))
		case line[0] == ' ' || line[0] == '\t':
			if len(cmds) == 0 {
				t.Fatalf("%s:%d: indented line before any command", file, i+1)
			}
			cmds[len(cmds)-1].body = append(cmds[len(cmds)-1].body, strings.TrimSpace(line))
		default:
			cmds = append(cmds, scriptCmd{line: i + 1, name: comment, words: line})
			comment = ""
		}
	}
	return cmds
}

func runScript(t *testing.T, file, src string) {
	var d *Dataset
	name := ""
	for _, c := range parseScript(t, file, src) {
		verb, rest, _ := strings.Cut(c.words, " ")
		where := file + ":" + strconv.Itoa(c.line)
		switch verb {
		case "load":
			loc := time.UTC
			if zone, ok := strings.CutPrefix(strings.TrimSpace(rest), "tz="); ok {
				var err error
				if loc, err = time.LoadLocation(zone); err != nil {
					t.Logf("%s: timezone %s not available, case skipped: %v", where, zone, err)
					d = nil
					continue
				}
			} else if strings.TrimSpace(rest) != "" {
				t.Fatalf("%s: load takes only tz=ZONE", where)
			}
			d, name = textTimeline(t, loc, strings.Join(c.body, "\n")), c.name
		case "eval":
			if d == nil {
				continue // its load was skipped
			}
			kind, js, _ := strings.Cut(strings.TrimSpace(rest), " ")
			t.Run(name, func(t *testing.T) {
				spec, err := Builtin().ParseSpec([]byte(`{"analysis":"` + kind + `"` + specFields(js) + `}`))
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				want := strings.Join(c.body, "\n")
				for _, got := range scriptOutput(t, d, spec) {
					if got != want {
						t.Errorf("%s: %s %s\ngot\n%s\nwant\n%s", where, kind, js, got, want)
					}
				}
			})
		default:
			t.Fatalf("%s: unknown command %q (load or eval)", where, verb)
		}
	}
}

// specFields turns {"a":1} into ,"a":1 to follow "analysis".
func specFields(js string) string {
	js = strings.TrimSpace(js)
	js = strings.TrimSuffix(strings.TrimPrefix(js, "{"), "}")
	if strings.TrimSpace(js) == "" {
		return ""
	}
	return "," + js
}

// scriptOutput runs spec on d and renders its result, once per way the
// engine can compute it (funnels: with and without the per-attempt
// search, which must agree).
func scriptOutput(t *testing.T, d *Dataset, spec Spec) []string {
	t.Helper()
	switch q := spec.Query.(type) {
	case *FunnelQuery:
		var outs []string
		defer func() { attemptBudget = 4 }()
		for _, attemptBudget = range []int{4, -1} {
			r, err := d.Funnel(context.Background(), *q)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, "levels "+fnLevels(d, r)+"\ncounts "+fnCounts(r))
		}
		return outs
	case *PathsQuery:
		r, err := d.Paths(context.Background(), *q)
		if err != nil {
			t.Fatal(err)
		}
		return []string{strings.TrimSuffix(pathsLines(r), "\n")}
	case *TrendsQuery:
		r, err := d.Trends(context.Background(), *q)
		if err != nil {
			t.Fatal(err)
		}
		return []string{strings.TrimSuffix(trendsPoints(r), "\n")}
	case *RetentionQuery:
		r, err := d.Retention(context.Background(), *q)
		if err != nil {
			t.Fatal(err)
		}
		return []string{retentionLines(t, r)}
	case *LifecycleQuery:
		r, err := d.Lifecycle(context.Background(), *q)
		if err != nil {
			t.Fatal(err)
		}
		return []string{lifecycleLines(r)}
	}
	t.Fatalf("no script rendering for %s", spec.Analysis)
	return nil
}

// retentionLines renders one line per cohort, "START size N retained
// A B C [incomplete from K]", and "average X Y Z" (percent, two decimals).
// It also checks that each percent is its count over the cohort's size.
func retentionLines(t *testing.T, r *RetentionResult) string {
	t.Helper()
	var lines []string
	for _, c := range r.Cohorts {
		l := c.Start + " size " + strconv.Itoa(c.Size) + " retained"
		for k, n := range c.Retained {
			l += " " + strconv.Itoa(n)
			if c.Size > 0 && math.Abs(c.Percent[k]-100*float64(n)/float64(c.Size)) > 1e-9 {
				t.Errorf("cohort %s percent[%d] = %v for %d of %d", c.Start, k, c.Percent[k], n, c.Size)
			}
		}
		if c.IncompleteFrom != nil {
			l += " incomplete from " + strconv.Itoa(*c.IncompleteFrom)
		}
		lines = append(lines, l)
	}
	l := "average"
	for _, v := range r.Average {
		l += " " + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strings.Join(append(lines, l), "\n")
}

// lifecycleLines renders one line per interval: "T new N returning N
// resurrecting N dormant N [incomplete]".
func lifecycleLines(r *LifecycleResult) string {
	var lines []string
	for _, p := range r.Points {
		l := fmt.Sprintf("%s new %d returning %d resurrecting %d dormant %d", p.T, p.New, p.Returning, p.Resurrecting, p.Dormant)
		if p.Incomplete {
			l += " incomplete"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}
