// Package querytest reads the script files of the engine's hand-checked
// tests (query/testdata, segment/testdata, experiment/testdata), in the
// manner of Prometheus' promqltest and CockroachDB's datadriven files: a
// script loads a timeline, runs a command and states the expected output,
// so a new case is a text edit. Each package's runner gives the commands
// their meaning; this package holds what they share: the file format, the
// timeline lines, the comparison and the -rewrite flag.
//
// A script is a sequence of commands:
//
//	# a case's name: the comment block above its commands
//	COMMAND ARGUMENTS
//		indented lines: the command's input or its expected output
//
// A command starts at the first column. Its lines follow right under it,
// each indented by one tab, up to the next blank line, comment or
// command; the rest of each line is kept as written (further indentation
// included, trailing spaces dropped). Blank lines and comments between
// commands are otherwise ignored.
//
// With -rewrite (go test ./query/ -run TestScripts -rewrite), every
// expected output is replaced by the output the test got and the file is
// written back; review the diff before committing it.
//
// It imports no package of spoor, so every package's tests may use it.
package querytest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/*.test scripts with the outputs got")

// Cmd is one command of a script and the indented lines under it.
type Cmd struct {
	File string
	Line int    // of the command, from 1
	Name string // the comment block just above the command, else the name of the one before
	Verb string // the command's first word
	Args string // the rest of its line
	Body []string

	// The body's lines in the file, [from, to); from is just below the
	// command when the body is empty.
	from, to int
	got      *string // the output Check was given, for -rewrite
}

// Where is "file:line", for messages.
func (c *Cmd) Where() string { return fmt.Sprintf("%s:%d", c.File, c.Line) }

// Text is the command's body as one string.
func (c *Cmd) Text() string { return strings.Join(c.Body, "\n") }

// Check compares got with the command's body, line by line; blank lines
// of got are left out (a blank line ends a body, so a body cannot hold
// one). With -rewrite it records got in place of the body instead.
func (c *Cmd) Check(t testing.TB, got string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		if l = strings.TrimRight(l, " \t\r"); l != "" {
			lines = append(lines, l)
		}
	}
	got = strings.Join(lines, "\n")
	if *rewrite {
		c.got = &got
		return
	}
	if want := c.Text(); got != want {
		t.Errorf("%s: %s %s\ngot\n%s\nwant\n%s", c.Where(), c.Verb, c.Args, got, want)
	}
}

// Parse splits a script into its commands.
func Parse(file, src string) ([]*Cmd, error) {
	var cmds []*Cmd
	comment := ""
	open := false // the line above is the last command or its body
	lines := strings.Split(src, "\n")
	for i, raw := range lines {
		line := strings.TrimRight(raw, " \t\r")
		switch {
		case line == "":
			open = false
		case line[0] == '\t':
			if !open {
				return nil, fmt.Errorf("%s:%d: indented line not right under a command or its lines", file, i+1)
			}
			c := cmds[len(cmds)-1]
			c.Body = append(c.Body, line[1:])
			c.to = i + 1
		case line[0] == ' ':
			return nil, fmt.Errorf("%s:%d: indent with a tab", file, i+1)
		case line[0] == '#':
			if i == 0 || !strings.HasPrefix(lines[i-1], "#") {
				comment = "" // a new comment block
			}
			comment = strings.TrimSpace(comment + " " + strings.TrimSpace(line[1:]))
			open = false
		default:
			if comment == "" && len(cmds) > 0 {
				comment = cmds[len(cmds)-1].Name
			}
			verb, args, _ := strings.Cut(line, " ")
			cmds = append(cmds, &Cmd{File: file, Line: i + 1, Name: comment, Verb: verb, Args: strings.TrimSpace(args), from: i + 1, to: i + 1})
			comment, open = "", true
		}
	}
	return cmds, nil
}

// Run runs every script matching glob as a subtest named by its file,
// handing each command to do in order. do runs the command and calls the
// command's Check with its output; a command that does not call Check
// (one that loads input) keeps its body under -rewrite.
func Run(t *testing.T, glob string, do func(t *testing.T, c *Cmd)) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts match %s (%v)", glob, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cmds, err := Parse(file, string(src))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cmds {
				do(t, c)
			}
			if *rewrite {
				if err := os.WriteFile(file, []byte(rewritten(string(src), cmds)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// rewritten is src with every checked command's body replaced by the
// output it got.
func rewritten(src string, cmds []*Cmd) string {
	lines := strings.Split(src, "\n")
	var out []string
	next := 0
	for _, c := range cmds {
		if c.got == nil {
			continue
		}
		out = append(out, lines[next:c.from]...)
		if *c.got != "" {
			for _, l := range strings.Split(*c.got, "\n") {
				out = append(out, "\t"+l)
			}
		}
		next = c.to
	}
	return strings.Join(append(out, lines[next:]...), "\n")
}

// Load reads a load command, "load [tz=ZONE]" and its timeline, the
// times in ZONE (default UTC), which a runner makes the dataset's display
// timezone. ok is false when this machine lacks ZONE's rules: the case is
// skipped, and the runner skips its commands.
func Load(t testing.TB, c *Cmd) (evs []Event, loc *time.Location, ok bool) {
	t.Helper()
	loc = time.UTC
	if zone, found := strings.CutPrefix(c.Args, "tz="); found {
		var err error
		if loc, err = time.LoadLocation(zone); err != nil {
			t.Logf("%s: timezone %s not available, case skipped: %v", c.Where(), zone, err)
			return nil, nil, false
		}
	} else if c.Args != "" {
		t.Fatalf("%s: load takes only tz=ZONE", c.Where())
	}
	evs, err := Timeline(loc, c.Body)
	if err != nil {
		t.Fatalf("%s: %v", c.Where(), err)
	}
	return evs, loc, true
}

// Event is one line of a timeline.
type Event struct {
	User, Name string
	Time       int64 // Unix milliseconds
	Props      map[string]string
}

// Timeline reads one event per line, "USER EVENT YYYY-MM-DD
// HH:MM[:SS[.mmm]] [KEY=VALUE ...]", the time in loc, in the order given;
// a line starting with # is a comment.
func Timeline(loc *time.Location, lines []string) ([]Event, error) {
	var evs []Event
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 4 {
			return nil, fmt.Errorf("timeline line %q: want USER EVENT DATE TIME [KEY=VALUE ...]", line)
		}
		var tm time.Time
		var err error
		for _, layout := range []string{"2006-01-02 15:04:05.000", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
			if tm, err = time.ParseInLocation(layout, f[2]+" "+f[3], loc); err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("timeline line %q: %v", line, err)
		}
		e := Event{User: f[0], Name: f[1], Time: tm.UnixMilli()}
		for _, kv := range f[4:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("timeline line %q: property %q is not KEY=VALUE", line, kv)
			}
			if e.Props == nil {
				e.Props = map[string]string{}
			}
			e.Props[k] = v
		}
		evs = append(evs, e)
	}
	return evs, nil
}
