package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
	"github.com/spoorhq/spoor/segment"
)

func init() {
	register("audience", i18n.N("saved audience rules: users to act on now, with evidence, for a messaging tool"), runAudience)
}

// audienceUsage is the synopsis and, in the interface language, what it means.
func audienceUsage() string {
	return `create NAME 'RULE' [--replace] | list | show NAME [--trend 30d] | delete NAME |
       users NAME [--holdout 10% [--goal EVENT]] [--format csv|json|jsonl|table|markdown] |
       report NAME [--goal EVENT] [--window 14d] | preview 'RULE' | refresh |
       backtest NAME --goal EVENT [--days 60] [--within 7d]` + "\n\n" + i18n.T(`create, show, users and preview take --tz ZONE: calendar days, streaks and evidence times
in that zone; list --tz shows its times there, but the sizes it keeps, recorded by create
and refresh, are taken in the database's zone.

A rule is a segment expression (spoor segment -h) that usually names what to act on:
  did add_to_cart then not begin_checkout within 24h
  streak view_item by product_id >= 3 days without purchase
  active in 30d and silent for 14d
Rules are re-evaluated after each import; list shows the size now and at the import before.
users --holdout 10%% keeps a stable share of the audience out of the file as a control group and
records the split; report then measures the lift of the goal against that control group.`)
}

var audienceCommands = map[string]func(env *Env, args []string) error{
	"create":  func(env *Env, args []string) error { return saveExpr(env, segment.Audiences, args) },
	"list":    audienceList,
	"show":    audienceShow,
	"delete":  audienceDelete,
	"users":   audienceUsers,
	"report":  audienceReport,
	"preview": audiencePreview,
	"refresh": audienceRefresh,
}

func runAudience(env *Env, args []string) error {
	return runSubcommand(env, "audience", audienceUsage(), audienceCommands, args)
}

// AudienceList is spoor audience list.
type AudienceList []segment.Saved

func (ls AudienceList) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("name"), l.T("rule"), l.T("users"), l.T("previous"), l.T("change"), l.T("evaluated_at")}}
	for _, a := range ls {
		now, prev, change := "-", "-", "-"
		if a.LastCount != nil {
			now = strconv.FormatInt(*a.LastCount, 10)
		}
		if a.PrevCount != nil {
			prev = strconv.FormatInt(*a.PrevCount, 10)
			if a.LastCount != nil {
				change = fmt.Sprintf("%+d", *a.LastCount-*a.PrevCount)
			}
		}
		t.Rows = append(t.Rows, []string{a.Name, a.Expr, now, prev, change, a.EvaluatedAt})
	}
	return []output.Table{t}
}

func audienceList(env *Env, args []string) error {
	return listSaved(env, segment.Audiences, args, func(l []segment.Saved) any { return append(AudienceList{}, l...) })
}

func audienceShow(env *Env, args []string) error   { return showSaved(env, segment.Audiences, args) }
func audienceDelete(env *Env, args []string) error { return deleteSaved(env, segment.Audiences, args) }

// AudienceMatch is one user of an audience with why they are in it.
type AudienceMatch struct {
	User     string             `json:"user"`
	Evidence []segment.Evidence `json:"evidence"`
	Items    []string           `json:"items,omitzero"` // --recommend: the user's top items
}

// AudienceUsers is the export of spoor audience users.
type AudienceUsers []AudienceMatch

func (ls AudienceUsers) Tables(l i18n.Lang) []output.Table {
	t := output.Table{Columns: []string{l.T("user"), l.T("evidence")}}
	items := 0
	for _, m := range ls {
		items = max(items, len(m.Items))
	}
	for k := 1; k <= items; k++ {
		t.Columns = append(t.Columns, "item_"+strconv.Itoa(k))
	}
	for _, m := range ls {
		row := append([]string{m.User, flatEvidence(l, m.Evidence)}, m.Items...)
		t.Rows = append(t.Rows, append(row, make([]string, len(t.Columns)-len(row))...))
	}
	return []output.Table{t}
}

// flatEvidence writes evidence on one line for CSV and tables:
// "term: detail (event time, ...); term: ...", in l's words and
// punctuation (CSV is written in English).
func flatEvidence(l i18n.Lang, ev []segment.Evidence) string {
	parts := make([]string, len(ev))
	for i, e := range ev {
		s := l.T("%s: %s", e.Term, e.DetailIn(l))
		var refs []string
		for _, r := range e.Events {
			ref := r.Event + " " + r.Time
			if r.Value != "" {
				ref += " " + r.Value
			}
			refs = append(refs, ref)
		}
		if len(refs) > 0 {
			s = l.T("%s (%s)", s, strings.Join(refs, l.T(", ")))
		}
		parts[i] = s
	}
	return strings.Join(parts, l.T("; "))
}

// audienceMatches evaluates a rule and explains each match.
func audienceMatches(env *Env, d *query.Dataset, rule string) (AudienceUsers, error) {
	n, err := segment.Parse(rule)
	if err != nil {
		return nil, &UsageError{err.Error()}
	}
	ev, err := segment.Compile(env.Ctx, d, n)
	if err != nil {
		return nil, err
	}
	warnUnknown(env, ev)
	m, err := ev.Members(env.Ctx)
	if err != nil {
		return nil, err
	}
	out := AudienceUsers{}
	for p, ok := range m {
		if ok {
			out = append(out, AudienceMatch{User: d.Users[p], Evidence: ev.Explain(p)})
		}
	}
	return out, nil
}

// emitMatches adds jsonl (one object per line) to the usual formats.
func emitMatches(env *Env, format string, l AudienceUsers) error {
	if format != "jsonl" {
		return emit(env, format, l)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetEscapeHTML(false)
	for _, m := range l {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}

func audienceUsers(env *Env, args []string) error {
	fs := newFlags(env, "audience users", "NAME [--holdout 10% [--goal EVENT]] [--db PATH] [--format csv|json|jsonl|table|markdown] [--tz ZONE] [--recommend PROP [--top 3]]")
	dbPath, tz := dbFlag(fs), tzFlag(fs)
	format := fs.String("format", "", i18n.T("output format: table, csv, json, jsonl or markdown (default table on a terminal, csv when piped)"))
	rec, top := recommendFlags(fs)
	rawFlag(fs)
	hold := holdoutFlags(fs)
	segmentsFlag(fs)
	pos, err := positional(fs, args, 1, i18n.T("an audience NAME"))
	if err != nil {
		return err
	}
	share, err := hold.check()
	if err != nil {
		return err
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		if share > 0 || *rec != "" {
			return usagef("--holdout and --recommend are not computed on ClickHouse yet; leave them out, or run them on a local spoor database")
		}
		a, err := cs.get(env, segment.Audiences, pos[0])
		if err != nil {
			return err
		}
		_, ids, err := cs.measure(env, a.Name, a.Expr, true)
		if err != nil {
			return err
		}
		return emitMatches(env, *format, matches(env, ids))
	}
	db, d, a, err := loadSaved(env, segment.Audiences, *dbPath, pos[0])
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := audienceMatches(env, d, a.Expr)
	if err != nil {
		return err
	}
	// Items first: a mistake in --recommend stops before the split is recorded.
	if err := addRecommendations(env, d, l, *rec, *top); err != nil {
		return err
	}
	if l, err = holdOut(env, *dbPath, db, d, a.Name, share, *hold.goal, l); err != nil {
		return err
	}
	return emitMatches(env, *format, l)
}

func audiencePreview(env *Env, args []string) error {
	fs := newFlags(env, "audience preview", "'RULE' [--db PATH] [--format csv|json|jsonl|table|markdown] [--tz ZONE]")
	dbPath, tz := dbFlag(fs), tzFlag(fs)
	format := fs.String("format", "", i18n.T("output format: table, csv, json, jsonl or markdown (default table on a terminal, csv when piped)"))
	rawFlag(fs)
	segmentsFlag(fs)
	pos, err := positional(fs, args, 1, i18n.T("a rule in quotes"))
	if err != nil {
		return err
	}
	if _, err := segment.Parse(pos[0]); err != nil {
		return &UsageError{err.Error()}
	}
	if err := useTZ(env, *tz); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		_, ids, err := cs.measure(env, "", pos[0], true)
		if err != nil {
			return err
		}
		return emitMatches(env, *format, matches(env, ids))
	}
	db, d, err := loadDataset(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := audienceMatches(env, d, pos[0])
	if err != nil {
		return err
	}
	return emitMatches(env, *format, l)
}

func audienceRefresh(env *Env, args []string) error {
	fs := newFlags(env, "audience refresh", "[--db PATH]")
	dbPath := dbFlag(fs)
	segmentsFlag(fs)
	if _, err := positional(fs, args, 0, i18n.T("no arguments")); err != nil {
		return err
	}
	cs, err := chSavedFor(env, *dbPath)
	if err != nil {
		return err
	}
	if cs != nil {
		return cs.refresh(env)
	}
	db, err := openWrite(env, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	return segment.RefreshAudiences(env.Ctx, db)
}
