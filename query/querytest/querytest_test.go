package querytest

import (
	"strings"
	"testing"
	"time"
)

const script = `# header, not a case

# first case
# on two lines
load
	u1 a 2026-03-02 10:00 k=v
	# a comment in a timeline
	u2 b 2026-03-02 10:00:01.500

eval x
	old
	lines

# second case
eval y

eval z
	kept
`

func TestParseAndRewrite(t *testing.T) {
	cmds, err := Parse("s.test", script)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, c.Where()+" "+c.Verb+" ["+c.Name+"] "+strings.Join(c.Body, "|"))
	}
	want := []string{
		"s.test:5 load [first case on two lines] u1 a 2026-03-02 10:00 k=v|# a comment in a timeline|u2 b 2026-03-02 10:00:01.500",
		"s.test:10 eval [first case on two lines] old|lines",
		"s.test:15 eval [second case] ",
		"s.test:17 eval [second case] kept",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("parsed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Outputs replace the bodies they were checked against; the load's
	// input and the unchecked z keep theirs.
	one, two := "new", "a\n  b"
	cmds[1].got, cmds[2].got = &one, &two
	out := rewritten(script, cmds)
	wantOut := strings.Replace(script, "eval x\n\told\n\tlines\n", "eval x\n\tnew\n", 1)
	wantOut = strings.Replace(wantOut, "eval y\n", "eval y\n\ta\n\t  b\n", 1)
	if out != wantOut {
		t.Errorf("rewritten\n%s\nwant\n%s", out, wantOut)
	}
	for _, bad := range []string{"\tu1 a\n", "load\n\n\tu1 a\n", "load\n  u1 a\n"} {
		if _, err := Parse("s.test", bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTimeline(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skipf("no Asia/Shanghai: %v", err)
	}
	evs, err := Timeline(sh, []string{"u1 a 2026-03-02 08:00:01.500 k=v e=", "# note", "", "u2 b 2026-03-02 08:00"})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	if len(evs) != 2 || evs[0].Time != base+1500 || evs[0].Props["k"] != "v" || evs[0].Props["e"] != "" || len(evs[0].Props) != 2 ||
		evs[1].User != "u2" || evs[1].Name != "b" || evs[1].Time != base || evs[1].Props != nil {
		t.Errorf("events %+v", evs)
	}
	for _, bad := range []string{"u1 a 2026-03-02", "u1 a 2026-03-02 25:00", "u1 a 2026-03-02 10:00 k"} {
		if _, err := Timeline(time.UTC, []string{bad}); err == nil {
			t.Errorf("%q read", bad)
		}
	}
}
