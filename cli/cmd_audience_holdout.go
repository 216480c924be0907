package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
)

// holdoutOptions are audience users' --holdout and --goal.
type holdoutOptions struct {
	share *string
	goal  *string
}

func holdoutFlags(fs *flag.FlagSet) holdoutOptions {
	return holdoutOptions{
		share: fs.String("holdout", "", i18n.T("hold this share of the audience out of the file as a control group, e.g. 10%%; the split is recorded (spoor audience report)")),
		goal:  fs.String("goal", "", i18n.T("with --holdout: the event the campaign aims at, recorded as audience report's default goal")),
	}
}

// parseShare reads a holdout share: 10% or 10 (percent), above 0 and below 100.
func parseShare(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%")), 64)
	if err != nil || !(f > 0 && f < 100) {
		return 0, usagef("--holdout %q: give a percentage above 0 and below 100, e.g. 10%%", v)
	}
	return f / 100, nil
}

// check refuses --goal without --holdout and reads the share (0: none).
func (h holdoutOptions) check() (float64, error) {
	if *h.share == "" {
		if *h.goal != "" {
			return 0, usagef("--goal is recorded with a holdout: add --holdout 10%% (or give it to spoor audience report)")
		}
		return 0, nil
	}
	return parseShare(*h.share)
}

// holdOut leaves the audience's control group out of the users to export.
// With a share it records the export (a write: new people are split, the
// people split before keep their group); without, an audience exported
// with a holdout before still leaves its control group out, unrecorded.
func holdOut(env *Env, dbPath string, ro *store.DB, d *query.Dataset, name string, share float64, goal string, l AudienceUsers) (AudienceUsers, error) {
	ids := make([]string, len(l))
	for k, m := range l {
		ids[k] = m.User
	}
	var keep []string
	if share > 0 {
		if goal != "" {
			if err := d.CheckEvent(goal); err != nil {
				return nil, usagef("--goal: %v", err)
			}
		}
		db, err := openWrite(env, dbPath)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		var e segment.Export
		if keep, e, err = segment.RecordExport(env.Ctx, db, name, ids, share, goal, time.Now()); err != nil {
			return nil, err
		}
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("export %s of audience %s recorded at %s: %d users in the file, %d held out as the control group",
			strconv.FormatInt(int64(e.ID), 10), name, time.UnixMilli(e.At).In(d.Loc).Format(time.RFC3339), e.Treated, e.Control))
	} else {
		var last *segment.Export
		var err error
		if keep, last, err = segment.Unrecorded(env.Ctx, ro, name, ids); err != nil || last == nil {
			return l, err
		}
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", i18n.T("audience %s has a holdout: its control group (%d of %d now) is left out; this export is not recorded — pass --holdout to record it",
			name, len(ids)-len(keep), len(ids))))
	}
	in := make(map[string]bool, len(keep))
	for _, u := range keep {
		in[u] = true
	}
	out := AudienceUsers{}
	for _, m := range l {
		if in[m.User] {
			out = append(out, m)
		}
	}
	return out, nil
}

// AudienceReport is spoor audience report: the campaign's treated people
// against its control group.
type AudienceReport struct {
	Audience      string  `json:"audience"`
	Goal          string  `json:"goal"`
	WindowSeconds float64 `json:"window_seconds"`
	Exports       int     `json:"exports"`
	FirstExport   string  `json:"first_export"` // RFC 3339, display timezone
	LastExport    string  `json:"last_export"`
	experiment.HoldoutLift
}

func (r AudienceReport) Tables(l i18n.Lang) []output.Table {
	t := output.Table{
		Title: l.T("audience %s: %s within %s after each person's first export (%d exports, the last %s)",
			r.Audience, r.Goal, output.Seconds(r.WindowSeconds).In(l), r.Exports, r.LastExport),
		Columns: []string{l.T("group"), l.T("users"), l.T("converted"), l.T("rate"), l.T("lift"), l.T("ci_low"), l.T("ci_high"), l.T("p_value"), l.T("incremental")},
	}
	rate := func(g experiment.HoldoutGroup) string {
		return output.Percent(float64(query.Ratio(g.Converted, g.Users)))
	}
	num := func(n experiment.Num, digits int) string {
		if !n.Valid() {
			return "-"
		}
		return strconv.FormatFloat(float64(n), 'f', digits, 64)
	}
	t.Rows = [][]string{
		{l.T("treated"), output.Count(r.Treated.Users), output.Count(r.Treated.Converted), rate(r.Treated),
			output.Percent(float64(r.Lift)), output.Percent(float64(r.Low)), output.Percent(float64(r.High)), num(r.P, 4), num(r.Incremental, 1)},
		{l.T("control"), output.Count(r.Control.Users), output.Count(r.Control.Converted), rate(r.Control), "-", "-", "-", "-", "-"},
	}
	return []output.Table{t}
}

func audienceReport(env *Env, args []string) error {
	fs := newFlags(env, "audience report", "NAME [--goal EVENT] [--window 14d] [--db PATH] [--format F]\n\n"+i18n.T(
		"Treated (exported) against held-out people of an audience exported with --holdout: who did the\n"+
			"goal event after the export that first included them, within --window. Lift is relative\n"+
			"(treated rate / control rate − 1) with a 95%% interval and p-value (z-test, Fisher's exact test\n"+
			"for small counts, as spoor experiment); incremental = treated conversions − treated users ×\n"+
			"control rate."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	segmentsFlag(fs)
	goal := fs.String("goal", "", i18n.T("the goal event (default: the one recorded with the latest export that named one)"))
	window := fs.String("window", "14d", i18n.T("how long after their export a person's goal counts"))
	pos, err := positional(fs, args, 1, i18n.T("an audience NAME"))
	if err != nil {
		return err
	}
	w, err := positiveDuration("window", *window)
	if err != nil {
		return err
	}
	// The exports are recorded in a local database; the conversions are
	// counted where the events are.
	var (
		db        *store.DB
		a         segment.Saved
		checkGoal func(string) error
		conv      func(as []segment.Assignment, goal string) (treated, control segment.Outcome, open int, err error)
		last      int64
		loc       = time.UTC // a ClickHouse table's display zone
	)
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		if a, err = cs.get(env, segment.Audiences, pos[0]); err != nil {
			return err
		}
		eng, err := cs.engine(env)
		if err != nil {
			return err
		}
		if db, err = cs.open(env, false); err != nil {
			return err
		}
		if last, err = eng.LastEvent(env.Ctx); err != nil {
			db.Close()
			return err
		}
		checkGoal = func(g string) error { return eng.CheckEvent(env.Ctx, g) }
		conv = func(as []segment.Assignment, g string) (segment.Outcome, segment.Outcome, int, error) {
			return eng.Conversions(env.Ctx, as, g, w)
		}
	} else {
		var d *query.Dataset
		if db, d, a, err = loadSaved(env, segment.Audiences, *dbPath, pos[0]); err != nil {
			return err
		}
		last, loc, checkGoal = d.MaxTime, d.Loc, d.CheckEvent
		conv = func(as []segment.Assignment, g string) (segment.Outcome, segment.Outcome, int, error) {
			return segment.Conversions(env.Ctx, d, as, g, w)
		}
	}
	defer db.Close()
	if *goal != "" {
		if err := checkGoal(*goal); err != nil {
			return usagef("--goal: %v", err)
		}
	}
	c, err := segment.MeasureCampaignWith(env.Ctx, db, a.Name, *goal, conv)
	if err != nil {
		return err
	}
	if c == nil {
		return i18n.Errorf("audience %s has no export with a holdout yet; export it with spoor audience users %s --holdout 10%%", a.Name, a.Name)
	}
	if c.Goal == "" {
		return usagef("name the goal event: --goal EVENT (none was recorded with the exports)")
	}
	if c.Open > 0 {
		fmt.Fprintln(env.Stderr, "spoor:", i18n.T("note: %s", i18n.T("%d people have not converted and their %s window runs past the data's last event (%s): import newer events for the final count",
			c.Open, output.Duration(float64(w)/1000), time.UnixMilli(last).In(loc).Format(time.RFC3339))))
	}
	stamp := func(ms int64) string { return time.UnixMilli(ms).In(loc).Format(time.RFC3339) }
	r := AudienceReport{
		Audience: a.Name, Goal: c.Goal, WindowSeconds: float64(w) / 1000, Exports: len(c.Exports),
		FirstExport: stamp(c.Exports[0].At), LastExport: stamp(c.Exports[len(c.Exports)-1].At),
		HoldoutLift: experiment.CompareHoldout(experiment.HoldoutGroup(c.Treated), experiment.HoldoutGroup(c.Control)),
	}
	return emit(env, *format, r)
}
