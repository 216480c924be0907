package cli

import (
	"strings"
	"time"

	"github.com/spoorhq/spoor/forecast"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
	"github.com/spoorhq/spoor/store"
	"github.com/spoorhq/spoor/why"
)

func init() {
	register("why", i18n.N("why a metric moved: every property value (and pair) ranked by its contribution to the change"), runWhy)
}

func runWhy(env *Env, args []string) error {
	fs := newFlags(env, "why", "[--events a,b] [--measure total|users | --sum PROP | --steps a,b,c [--window 7d]] [--before FROM..TO --after FROM..TO] [--props a,b] [--where ...]\n\n"+i18n.T(
		"Ranks every property value, and pairs of values of two properties, by its contribution to the\n"+
			"change of the metric from --before to --after (dates inclusive; a longer before period is scaled\n"+
			"to the after period's length). Counts: contributions add up to the change exactly, and a\n"+
			"chi-square test says whether the value's share changed (Bonferroni-adjusted). Conversion\n"+
			"(--steps): each value's contribution splits into mix and rate effects, tested with a\n"+
			"two-proportion z-test. Values with under 10 units are folded. Without periods: the latest\n"+
			"anomaly of the daily series (spoor forecast's) against the same weekday of up to 4 weeks before."))
	dbPath, format := dbFlag(fs), formatFlag(fs)
	segmentsFlag(fs)
	var q why.Query
	fs.StringVar(&q.From, "from", "", "")
	hideFlag(fs, "from")
	fs.Var((*stringList)(&q.Where), "where", i18n.T("property filter, repeatable and ANDed: 'country = CN'"))
	fs.StringVar(&q.Segment, "segment", "", i18n.T("only users in this saved segment"))
	fs.StringVar(&q.TZ, "tz", "", i18n.T("display timezone (IANA name), default the database's"))
	events := fs.String("events", "", i18n.T("comma-separated event names (default: any event)"))
	fs.StringVar(&q.Measure, "measure", "total", i18n.T("total (events) or users (each counted once per period)"))
	fs.StringVar(&q.Sum, "sum", "", i18n.T("sum this numeric property over the events instead of counting them"))
	steps := fs.String("steps", "", i18n.T("a funnel's steps: explain its conversion"))
	fs.StringVar(&q.Window, "window", query.DefaultFunnelWindow, i18n.T("with --steps: conversion window"))
	before := fs.String("before", "", i18n.T("the earlier period, FROM..TO or one day (YYYY-MM-DD)"))
	after := fs.String("after", "", i18n.T("the later period, FROM..TO or one day"))
	props := fs.String("props", "", i18n.T("candidate properties, comma-separated, segment:NAME for a saved segment (default: every property and saved segment)"))
	top := fs.Int("top", 20, i18n.T("rows of the table (json lists every value)"))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("why takes no arguments (got %q)", fs.Arg(0))
	}
	if q.From != "" {
		return usagef("why compares two periods: give --before FROM..TO and --after FROM..TO")
	}
	if *top < 1 {
		return usagef("--top must be at least 1")
	}
	if w, err := query.ParseDuration(q.Window); err != nil || w <= 0 {
		return usagef("--window %q: use a positive duration such as 30m or 7d", q.Window)
	}
	q.Events = trendsEventNames(*events)
	if q.Measure != query.MeasureTotal && q.Measure != query.MeasureUsers {
		return usagef("--measure %q: why explains total or users", q.Measure)
	}
	if *steps != "" {
		q.Steps = query.FunnelSteps(splitSteps(*steps))
		if len(q.Steps) < 2 || len(q.Events) > 0 || q.Sum != "" {
			return usagef("--steps needs two or more steps and no --events or --sum")
		}
	}
	if (*before == "") != (*after == "") {
		return usagef("give both --before and --after, or neither (the latest anomaly)")
	}
	if *before != "" {
		b, err := parsePeriod(*before)
		if err != nil {
			return usagef("--before: %v", err)
		}
		a, err := parsePeriod(*after)
		if err != nil {
			return usagef("--after: %v", err)
		}
		q.Before, q.After = []why.Period{b}, a
	}
	src, err := chSource(*dbPath)
	if err != nil {
		return err
	}
	var e query.Engine
	var checkProp func(string) error
	var keys func() ([]string, error) // every property, then every saved segment
	if src != nil {
		s, err := chSavedFor(env, *dbPath)
		if err != nil {
			return err
		}
		eng, err := s.engine(env)
		if err != nil {
			return err
		}
		e = eng
		checkProp = func(k string) error { return eng.CheckProp(env.Ctx, k) }
		keys = func() ([]string, error) {
			props, _, err := eng.PropKeys(env.Ctx)
			if err != nil {
				return nil, err
			}
			db, err := s.open(env, false)
			if err != nil || db == nil {
				return props, err
			}
			defer db.Close()
			return withSegments(env, db, props)
		}
	} else {
		db, d, err := loadDataset(env, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		e = d
		checkProp = func(k string) error { return d.CheckProp(env.Ctx, k) }
		keys = func() ([]string, error) {
			props, _, err := db.PropKeys(env.Ctx)
			if err != nil {
				return nil, err
			}
			return withSegments(env, db, props)
		}
	}
	if *props != "" {
		q.Keys = trendsEventNames(*props)
		for _, k := range q.Keys {
			if strings.HasPrefix(k, "segment:") {
				continue // checked when resolved
			}
			if err := checkProp(k); err != nil {
				return usagef("--props: %v", err)
			}
		}
	} else if q.Keys, err = keys(); err != nil {
		return err
	}
	if q.After.From == "" {
		if err := latestAnomaly(env, e, &q); err != nil {
			return err
		}
	}
	r, err := why.Evaluate(env.Ctx, e, q)
	if err != nil {
		return err
	}
	r.Rows = *top
	return emit(env, *format, r)
}

// withSegments is props followed by every segment saved in db (in or out
// of it is a candidate too).
func withSegments(env *Env, db *store.DB, props []string) ([]string, error) {
	saved, err := segment.Segments.List(env.Ctx, db)
	if err != nil {
		return nil, err
	}
	for _, s := range saved {
		props = append(props, "segment:"+s.Name)
	}
	return props, nil
}

// parsePeriod reads FROM..TO or a single day.
func parsePeriod(v string) (why.Period, error) {
	from, to, ok := strings.Cut(v, "..")
	if !ok {
		to = from
	}
	for _, s := range []string{from, to} {
		if _, err := time.Parse("2006-01-02", strings.TrimSpace(s)); err != nil {
			return why.Period{}, i18n.Errorf("cannot read %q (use YYYY-MM-DD..YYYY-MM-DD or one day)", v)
		}
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if to < from {
		return why.Period{}, i18n.Errorf("%s ends before it starts", v)
	}
	return why.Period{From: from, To: to}, nil
}

// latestAnomaly sets the periods to the daily series' latest anomaly (the
// forecast's detector) against the same weekday of up to four weeks before.
func latestAnomaly(env *Env, e query.Engine, q *why.Query) error {
	if len(q.Steps) > 0 || q.Sum != "" {
		return usagef("with --steps or --sum give the periods: --before FROM..TO --after FROM..TO")
	}
	tq := query.TrendsQuery{Common: query.Common{Where: q.Where, Segment: q.Segment, TZ: q.TZ}, Events: q.Events, Measure: q.Measure, Interval: "day"}
	r, err := e.Trends(env.Ctx, tq)
	if err != nil {
		return err
	}
	b, err := forecast.BoundsOn(env.Ctx, e, tq.Common)
	if err != nil {
		return err
	}
	f, err := forecast.TrendsWithin(env.Ctx, b, tq, r, 1, 0)
	if err != nil {
		return err
	}
	s := f.Series[0]
	if s.Refused != "" {
		return i18n.Errorf("cannot find an anomaly: %s; or give --before and --after", s.RefusedText())
	}
	if len(s.Anomalies) == 0 {
		return i18n.Errorf("the daily series has no anomaly (no day outside its expected band); name the periods with --before FROM..TO --after FROM..TO")
	}
	day := s.Anomalies[len(s.Anomalies)-1].T
	q.After = why.Period{From: day, To: day}
	q.Before = why.SameWeekdays(day, s.Past[0].T, 4)
	if len(q.Before) == 0 {
		return i18n.Errorf("the latest anomaly, %s, has no earlier week to compare with; give --before and --after", day)
	}
	return nil
}
