package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/query/querytest"
	"github.com/spoorhq/spoor/query/querytest/scriptload"
)

// TestScripts runs the hand-checked experiment timelines in
// testdata/*.test, scripts in query/querytest's format (as the engine's,
// query/testdata):
//
//	# a case's name
//	load [tz=ZONE]
//		USER EVENT YYYY-MM-DD HH:MM[:SS[.mmm]] [KEY=VALUE ...]
//
//	eval {the query as in an experiment spec, without "analysis"}
//		per variant: NAME [control] users N conversions N in progress N
//		  rate R lift L diff D p P [TEST] [significant]
//		  then its funnel (per step: EVENT users N conversion C step S)
//		  and its revenue (mean M total T p P), when asked for
//		excluded N [VARIANTS: N ...]
//		srm chi2 X p P [mismatch]
//		verdict VERDICT [winner W]: TEXT
//		and with "by": by PROPERTY, then per group: group VALUE and its
//		result as above indented, or group VALUE: NOTE
//
//	members VARIANT {the query}
//		per member, by id: USER exposed TIME [converted TIME] [in progress]
//
// load reads a timeline in ZONE (default UTC), also the dataset's display
// timezone. Statistics are printed
// to 12 significant digits, "-" when undefined; a failed query's output
// is "error: ...".
func TestScripts(t *testing.T) {
	var d *query.Dataset
	querytest.Run(t, filepath.Join("testdata", "*.test"), func(t *testing.T, c *querytest.Cmd) {
		if c.Verb == "load" {
			d = scriptload.Dataset(t, c)
			return
		}
		if d == nil {
			return // its load was skipped
		}
		t.Run(c.Name, func(t *testing.T) {
			words, js, _ := strings.Cut(c.Args, "{")
			var q Query
			dec := json.NewDecoder(strings.NewReader("{" + js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&q); err != nil {
				t.Fatalf("%s: the query: %v", c.Where(), err)
			}
			ctx := context.Background()
			var out string
			var err error
			switch c.Verb {
			case "eval":
				var r *Result
				if r, err = Run(ctx, d, q); err == nil {
					out = resultText(r, "")
				}
			case "members":
				var ms []Member
				if ms, err = Members(ctx, d, q, strings.TrimSpace(words)); err == nil {
					out = membersText(d, ms)
				}
			default:
				t.Fatalf("%s: unknown command %q (load, eval or members)", c.Where(), c.Verb)
			}
			if err != nil {
				out = "error: " + err.Error()
			}
			c.Check(t, out)
		})
	})
}

// stat is a statistic as scripts print it.
func stat(n Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'g', 12, 64)
}

func resultText(r *Result, indent string) string {
	var b bytes.Buffer
	line := func(format string, a ...any) { fmt.Fprintf(&b, indent+format+"\n", a...) }
	for _, v := range r.Variants {
		name := v.Name
		if v.Control {
			name += " control"
		}
		l := fmt.Sprintf("%s users %d conversions %d in progress %d rate %s lift %s diff %s p %s",
			name, v.Users, v.Conversions, v.InProgress, stat(v.Rate), stat(v.Lift), stat(v.Diff), stat(v.P))
		if v.Test != "" {
			l += " " + v.Test
		}
		if v.Significant {
			l += " significant"
		}
		line("%s", l)
		for _, s := range v.Steps {
			line("  %s users %d conversion %s step %s", s.Event, s.Users, stat(s.Conversion), stat(s.StepConv))
		}
		if v.Rev != nil {
			line("  revenue mean %s total %s p %s", stat(v.Rev.Mean), stat(v.Rev.Total), stat(v.Rev.P))
		}
	}
	l := "excluded " + strconv.Itoa(r.Excluded)
	var pairs []string
	for k := range r.Conflicts {
		pairs = append(pairs, k)
	}
	slices.Sort(pairs)
	for _, k := range pairs {
		l += fmt.Sprintf(" %s: %d", k, r.Conflicts[k])
	}
	line("%s", l)
	l = "srm chi2 " + stat(r.SRMChi2) + " p " + stat(r.SRMP)
	if r.SRMMismatch {
		l += " mismatch"
	}
	line("%s", l)
	l = "verdict " + r.Verdict
	if r.Winner != "" {
		l += " winner " + r.Winner
	}
	line("%s: %s", l, r.Text)
	if r.By != "" {
		line("by %s", r.By)
	}
	for _, g := range r.Breakdown {
		if g.Result == nil {
			line("group %s: %s", g.Value, g.Note)
			continue
		}
		line("group %s", g.Value)
		b.WriteString(resultText(g.Result, indent+"  "))
	}
	return b.String()
}

func membersText(d *query.Dataset, ms []Member) string {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Member) int { return strings.Compare(a.User, b.User) })
	when := func(ms int64) string {
		t := time.UnixMilli(ms).In(d.Loc)
		switch {
		case t.Nanosecond() != 0:
			return t.Format("2006-01-02 15:04:05.000")
		case t.Second() != 0:
			return t.Format("2006-01-02 15:04:05")
		}
		return t.Format("2006-01-02 15:04")
	}
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.User + " exposed " + when(m.Exposed))
		if m.Converted {
			b.WriteString(" converted " + when(m.At))
		} else if m.At != 0 {
			b.WriteString(" at " + when(m.At)) // a time without a conversion: never expected
		}
		if m.InProgress {
			b.WriteString(" in progress")
		}
		b.WriteString("\n")
	}
	return b.String()
}
