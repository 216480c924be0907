package segment

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/query/querytest"
	"github.com/spoorhq/spoor/query/querytest/scriptload"
)

// TestScripts runs the hand-checked segment timelines in testdata/*.test,
// scripts in query/querytest's format (as the engine's, query/testdata):
//
//	# a case's name
//	load [tz=ZONE]
//		USER EVENT YYYY-MM-DD HH:MM[:SS[.mmm]] [KEY=VALUE ...]
//
//	eval [tz=ZONE] EXPRESSION
//		the users in the segment, sorted ("-" for none), then the
//		expression's unknown events and unset properties, if any
//
//	explain [tz=ZONE] USER EXPRESSION
//		per term that holds for USER: "TERM: DETAIL", then its events,
//		one a line: TIME EVENT [VALUE]
//
//	trend [tz=ZONE] DAYS EXPRESSION
//		per day of the last DAYS: DAY users/total share
//
//	stages [tz=ZONE] DAYS
//		per user: USER STAGE, with a window of DAYS; then per stage:
//		stage NAME users share
//
//	rfm [tz=ZONE] REVENUE [EVENT]
//		per customer: USER RFM TIER: recency, frequency, monetary; then
//		the customers and non-customers, and per tier: tier NAME users share
//
//	churn [tz=ZONE] WINDOW BASELINE [key=EVENT] [min=SCORE] [top=N]
//		per user listed: USER score, days since last seen, usual and
//		expected gap, active days, recent and baseline events, [the last
//		key event]: signals; then the counts and the table's title
//
// load reads a timeline in ZONE (default UTC), also the dataset's display
// timezone. tz= evaluates in another
// zone (the commands' --tz) without changing the data. A failed
// evaluation's output is "error: ...".
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
		ctx, args := context.Background(), c.Args
		if zone, ok := strings.CutPrefix(args, "tz="); ok {
			zone, args, _ = strings.Cut(zone, " ")
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Logf("%s: timezone %s not available, skipped: %v", c.Where(), zone, err)
				return
			}
			ctx = WithZone(ctx, loc)
		}
		t.Run(c.Name, func(t *testing.T) {
			out, err := scriptOutput(ctx, t, c, d, args)
			if err != nil {
				out = "error: " + err.Error()
			}
			c.Check(t, out)
		})
	})
}

func scriptOutput(ctx context.Context, t *testing.T, c *querytest.Cmd, d *query.Dataset, args string) (string, error) {
	var b strings.Builder
	switch c.Verb {
	case "eval":
		m, err := Evaluate(ctx, d, args)
		if err != nil {
			return "", err
		}
		users := usersOf(d, m)
		if len(users) == 0 {
			users = []string{"-"}
		}
		b.WriteString(strings.Join(users, " ") + "\n")
		n, _ := Parse(args)
		e, err := Compile(ctx, d, n)
		if err != nil {
			return "", err
		}
		if len(e.Unknown) > 0 {
			b.WriteString("unknown events: " + strings.Join(e.Unknown, ", ") + "\n")
		}
		if len(e.Unset) > 0 {
			b.WriteString("unset properties: " + strings.Join(e.Unset, ", ") + "\n")
		}
	case "explain":
		user, expr, _ := strings.Cut(args, " ")
		n, err := Parse(expr)
		if err != nil {
			return "", err
		}
		e, err := Compile(ctx, d, n)
		if err != nil {
			return "", err
		}
		p := -1
		for i, u := range d.Users {
			if u == user {
				p = i
			}
		}
		if p < 0 {
			t.Fatalf("%s: no user %s in the timeline", c.Where(), user)
		}
		for _, ev := range e.Explain(p) {
			fmt.Fprintf(&b, "%s: %s\n", ev.Term, ev.Detail)
			for _, r := range ev.Events {
				fmt.Fprintf(&b, "  %s %s %s\n", r.Time, r.Event, r.Value)
			}
		}
	case "trend":
		days, expr, _ := strings.Cut(args, " ")
		k, err := strconv.Atoi(days)
		if err != nil {
			t.Fatalf("%s: trend DAYS EXPRESSION: %v", c.Where(), err)
		}
		n, err := Parse(expr)
		if err != nil {
			return "", err
		}
		pts, err := Trend(ctx, d, n, k)
		if err != nil {
			return "", err
		}
		for _, p := range pts {
			fmt.Fprintf(&b, "%s %d/%d %s\n", p.Day, p.Users, p.Total, strconv.FormatFloat(p.Share, 'g', -1, 64))
		}
	case "stages":
		days, err := strconv.Atoi(args)
		if err != nil {
			t.Fatalf("%s: stages DAYS: %v", c.Where(), err)
		}
		for p, st := range StagesIn(d, days, Zone(ctx, d)) {
			fmt.Fprintf(&b, "%s %s\n", d.Users[p], StageNames[st])
		}
		rep, err := StageSummaryIn(d, Zone(ctx, d), days, false, "")
		if err != nil {
			return "", err
		}
		writeCounts(&b, "stage", rep.Stages)
	case "rfm":
		f := strings.Fields(args)
		if len(f) == 0 || len(f) > 2 {
			t.Fatalf("%s: rfm REVENUE [EVENT]", c.Where())
		}
		opt := RFMOptions{Revenue: f[0]}
		if len(f) == 2 {
			opt.Event = f[1]
		}
		rep, users, err := RFM(ctx, d, opt)
		if err != nil {
			return "", err
		}
		for _, u := range users {
			fmt.Fprintf(&b, "%s %d%d%d %s: recency %d frequency %d monetary %s\n", u.User, u.R, u.F, u.M, u.Tier,
				u.RecencyDays, u.Frequency, strconv.FormatFloat(u.Monetary, 'g', -1, 64))
		}
		fmt.Fprintf(&b, "customers %d non-customers %d\n", rep.Customers, rep.NonCustomers)
		writeCounts(&b, "tier", rep.Tiers)
	case "churn":
		opt, f := ChurnOptions{}, strings.Fields(args)
		if len(f) < 2 {
			t.Fatalf("%s: churn WINDOW BASELINE [key=EVENT] [min=SCORE] [top=N]", c.Where())
		}
		var errs [5]error
		opt.WindowDays, errs[0] = strconv.Atoi(f[0])
		opt.BaselineDays, errs[1] = strconv.Atoi(f[1])
		for _, kv := range f[2:] {
			switch k, v, _ := strings.Cut(kv, "="); k {
			case "key":
				opt.KeyEvent = v
			case "min":
				opt.MinScore, errs[2] = strconv.ParseFloat(v, 64)
			case "top":
				opt.Top, errs[3] = strconv.Atoi(v)
			default:
				errs[4] = fmt.Errorf("unknown option %q", kv)
			}
		}
		if err := errors.Join(errs[:]...); err != nil {
			t.Fatalf("%s: %v", c.Where(), err)
		}
		rep, err := Churn(ctx, d, opt)
		if err != nil {
			return "", err
		}
		num := func(v float64) string { return strconv.FormatFloat(v, 'g', 12, 64) }
		for _, u := range rep.Users {
			gap := "-"
			if u.UsualGapDays != nil {
				gap = num(*u.UsualGapDays)
			}
			fmt.Fprintf(&b, "%s score %s since %d gap %s expected %s active %d recent %d baseline %d",
				u.User, num(u.Score), u.DaysSinceLastSeen, gap, num(u.ExpectedGapDays), u.ActiveDays, u.RecentEvents, u.BaselineEvents)
			if u.LastKeyEvent != "" {
				fmt.Fprintf(&b, " key %s %s", u.LastKeyEvent, u.LastKeyEventTime)
			}
			fmt.Fprintf(&b, ": %s\n", strings.Join(u.Signals, "; "))
		}
		fmt.Fprintf(&b, "eligible %d too little history %d at risk %d\ntable %s\n", rep.Eligible, rep.TooLittleHistory, rep.AtRisk, rep.Tables(i18n.English)[0].Title)
	default:
		t.Fatalf("%s: unknown command %q (load, eval, explain, trend, stages, rfm or churn)", c.Where(), c.Verb)
	}
	return b.String(), nil
}

// writeCounts writes the sizes of stages or tiers: KIND NAME users share.
func writeCounts(b *strings.Builder, kind string, counts []GroupCount) {
	for _, g := range counts {
		fmt.Fprintf(b, "%s %s %d %s\n", kind, g.Name, g.Users, strconv.FormatFloat(g.Share, 'g', -1, 64))
	}
}
