package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query/querytest"
)

// TestScripts runs the hand-checked timelines in testdata/*.test, in the
// manner of Prometheus' promqltest: a case loads a timeline, runs a query
// and expects a result, so a new case is a text edit. The file format
// (commands, tab-indented lines under them, -rewrite) is querytest's; the
// commands are
//
//	# a case's name
//	load [tz=ZONE]
//		USER EVENT YYYY-MM-DD HH:MM[:SS[.mmm]] [KEY=VALUE ...]
//
//	segment NAME USER ...
//
//	eval ANALYSIS [VIEW [ARG]] {the query as in a spec file, without "analysis"}
//		the expected output
//
// load reads a timeline in ZONE (default UTC), which is also the
// dataset's display timezone. segment makes --segment NAME the users listed. eval runs a query on the
// last load and renders the VIEW of its result (an error as "error: ..."):
//
//	funnel                levels USER:STEP ... (* in progress, - not counted), counts N/N/N
//	funnel steps          per step: users, conversion, step conversion, dropped,
//	                      in progress, seconds to convert (p25 median p75)
//	funnel users          per step: who reached it, dropped at it, is in progress at it
//	funnel breakdown [N]  per --by value (the top N and other, with N): users and
//	                      median seconds per step
//	funnel trend          per interval someone started in: converted/users, the
//	                      conversion, in progress
//	funnel attempts       per counted user: the time of the counted attempt's step 1
//	funnel explain USER   funnel --explain's text (blank lines left out)
//	funnel trace USER     funnel --explain's JSON, an object of plain values
//	                      on one line
//	paths                 per path: users: a > b > (end)
//	paths tree            users and distinct paths, then a node per line:
//	                      event users share, indented by depth
//	paths transitions     per move: step from > to users
//	paths breakdown       per --by group: "VALUE" users, distinct paths, tree
//	                      users; its paths (users share: a > b) and moves
//	                      (step from > to users share); the tables' titles
//	trends                per series: label: MM-DD=value ...
//	trends top N          the same, the top N values and an exact other
//	trends histogram      per series: its total, and users by active days
//	retention             per cohort: START size N retained N ... [incomplete from K],
//	                      then the average in percent
//	retention users       per non-empty cell: START period K: users, then
//	                      those of each --by group's table: "VALUE" START ...
//	retention breakdown   per --by group: "VALUE" size N, its cohorts and
//	                      average as above, then the titles of the tables
//	retention trace USER  retention --explain's JSON, as funnel trace
//	lifecycle             per interval: T new N returning N resurrecting N
//	                      dormant N [incomplete]
//	lifecycle breakdown   per --by group: "VALUE" users N and its intervals,
//	                      then the titles of the tables
//
// Ratios are exact (the shortest form of the float64), "-" when
// undefined; user lists are "-" when empty. A funnel runs with and
// without the per-attempt search, which must agree. Each rendering also
// checks what must hold between its numbers: a retention percent is its
// count over the cohort's size, an average is the cohorts' weighted one,
// a cell lists as many users as it counts.
func TestScripts(t *testing.T) {
	var d *Dataset
	querytest.Run(t, filepath.Join("testdata", "*.test"), func(t *testing.T, c *querytest.Cmd) {
		switch c.Verb {
		case "load":
			d = nil
			if evs, loc, ok := querytest.Load(t, c); ok {
				d = NewDataset(rawEvents(evs), loc)
			}
		case "segment":
			if d == nil {
				return
			}
			f := strings.Fields(c.Args)
			if len(f) == 0 {
				t.Fatalf("%s: segment NAME USER ...", c.Where())
			}
			segs, _ := d.Segments.(scriptSegments)
			if segs == nil {
				segs = scriptSegments{}
				d.Segments = segs
			}
			segs[f[0]] = f[1:]
		case "eval":
			if d == nil {
				return // its load was skipped
			}
			words, js, _ := strings.Cut(c.Args, "{")
			view := strings.Fields(words)
			if len(view) == 0 {
				t.Fatalf("%s: eval ANALYSIS [VIEW [ARG]] {query}", c.Where())
			}
			t.Run(c.Name, func(t *testing.T) {
				spec, err := Builtin().ParseSpec([]byte(`{"analysis":"` + view[0] + `"` + specFields(js) + `}`))
				if err != nil {
					t.Fatalf("%s: %v", c.Where(), err)
				}
				c.Check(t, scriptOutput(t, c, d, spec, view[1:]))
			})
		default:
			t.Fatalf("%s: unknown command %q (load, segment or eval)", c.Where(), c.Verb)
		}
	})
}

// rawEvents turns a script's timeline into the engine's input.
func rawEvents(evs []querytest.Event) []RawEvent {
	out := make([]RawEvent, len(evs))
	for i, e := range evs {
		out[i] = RawEvent{User: e.User, Event: e.Name, Time: e.Time, Props: e.Props}
	}
	return out
}

// scriptSegments resolves the names a script's segment commands gave.
type scriptSegments map[string][]string

func (s scriptSegments) Members(ctx context.Context, d *Dataset, name string) ([]bool, error) {
	users, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("no segment %q in this script", name)
	}
	in := map[string]bool{}
	for _, u := range users {
		in[u] = true
	}
	m := make([]bool, len(d.Users))
	for p, u := range d.Users {
		m[p] = in[u]
	}
	return m, nil
}

func (s scriptSegments) Breakdown(ctx context.Context, d *Dataset, name string) (*Prop, error) {
	return nil, fmt.Errorf("no --by segment:%s in scripts", name)
}

// specFields turns {"a":1} into ,"a":1 to follow "analysis"; js comes
// without its opening brace.
func specFields(js string) string {
	js = strings.TrimSuffix(strings.TrimSpace(js), "}")
	if strings.TrimSpace(js) == "" {
		return ""
	}
	return "," + js
}

// scriptOutput runs spec on d and renders the view of its result.
func scriptOutput(t *testing.T, c *querytest.Cmd, d *Dataset, spec Spec, view []string) string {
	t.Helper()
	ctx := context.Background()
	arg := func() string {
		if len(view) != 2 {
			t.Fatalf("%s: view %s takes one argument", c.Where(), view[0])
		}
		return view[1]
	}
	out, err := func() (string, error) {
		switch q := spec.Query.(type) {
		case *FunnelQuery:
			if len(view) > 0 && (view[0] == "explain" || view[0] == "trace") {
				return funnelExplainView(ctx, d, *q, view[0], arg())
			}
			// Both ways the engine can compute a funnel: with and without
			// the per-attempt search.
			var outs []string
			defer func() { attemptBudget = 4 }()
			for _, attemptBudget = range []int{4, -1} {
				r, err := d.Funnel(ctx, *q)
				if err != nil {
					return "", err
				}
				outs = append(outs, funnelView(t, c, d, r, view))
			}
			if outs[0] != outs[1] {
				t.Errorf("%s: with the per-attempt search\n%s\nwithout\n%s", c.Where(), outs[0], outs[1])
			}
			return outs[0], nil
		case *PathsQuery:
			r, err := d.Paths(ctx, *q)
			if err != nil {
				return "", err
			}
			return pathsView(t, c, r, view), nil
		case *TrendsQuery:
			r, err := d.Trends(ctx, *q)
			if err != nil {
				return "", err
			}
			return trendsView(ctx, t, c, r, view)
		case *RetentionQuery:
			if len(view) > 0 && view[0] == "trace" {
				x, err := d.ExplainRetention(ctx, *q, arg())
				if err != nil {
					return "", err
				}
				return traceJSON(x)
			}
			r, err := d.Retention(ctx, *q)
			if err != nil {
				return "", err
			}
			return retentionView(t, c, r, view), nil
		case *LifecycleQuery:
			r, err := d.Lifecycle(ctx, *q)
			if err != nil {
				return "", err
			}
			return lifecycleView(t, c, r, view), nil
		}
		t.Fatalf("%s: no script rendering for %s", c.Where(), spec.Analysis)
		return "", nil
	}()
	if err != nil {
		return "error: " + err.Error()
	}
	return out
}

func trendsView(ctx context.Context, t *testing.T, c *querytest.Cmd, r *TrendsResult, view []string) (string, error) {
	t.Helper()
	switch {
	case len(view) == 0:
		return trendsPoints(r), nil
	case view[0] == "top" && len(view) == 2:
		n, err := strconv.Atoi(view[1])
		if err != nil {
			t.Fatalf("%s: top N: %v", c.Where(), err)
		}
		top, err := r.Top(ctx, n)
		if err != nil {
			return "", err
		}
		return trendsPoints(top), nil
	case view[0] == "histogram" && len(view) == 1:
		var b strings.Builder
		for _, s := range r.Series {
			fmt.Fprintf(&b, "%s: total %s", s.Label, ratio(s.Total))
			for _, h := range s.StickinessHistogram {
				fmt.Fprintf(&b, ", %d days %d", h.Days, h.Users)
			}
			b.WriteString("\n")
		}
		return b.String(), nil
	}
	t.Fatalf("%s: unknown trends view %q", c.Where(), strings.Join(view, " "))
	return "", nil
}

// ratio is a Num as scripts print it: exact, "-" when undefined.
func ratio(n Num) string {
	if !n.Valid() {
		return "-"
	}
	return strconv.FormatFloat(float64(n), 'g', -1, 64)
}

func seconds(s *float64) string {
	if s == nil {
		return "-"
	}
	return strconv.FormatFloat(*s, 'g', -1, 64)
}

func userList(users []string) string {
	if len(users) == 0 {
		return "-"
	}
	return strings.Join(users, " ")
}

func funnelView(t *testing.T, c *querytest.Cmd, d *Dataset, r *FunnelResult, view []string) string {
	t.Helper()
	var b strings.Builder
	switch {
	case len(view) == 0:
		return "levels " + fnLevels(d, r) + "\ncounts " + fnCounts(r)
	case view[0] == "steps" && len(view) == 1:
		for _, s := range r.Steps {
			fmt.Fprintf(&b, "%d %s users %d conversion %s step %s dropped %d in progress %d seconds %s %s %s\n",
				s.Step, s.Event, s.Users, ratio(s.Conversion), ratio(s.StepConversion), s.DropOff, s.InProgress,
				seconds(s.P25Seconds), seconds(s.MedianSeconds), seconds(s.P75Seconds))
		}
	case view[0] == "users" && len(view) == 1:
		for k, s := range r.Steps {
			fmt.Fprintf(&b, "%d %s reached %s; dropped %s; in progress %s\n", s.Step, s.Event,
				userList(r.UsersAt(k)), userList(r.DroppedAt(k)), userList(r.InProgressAt(k)))
		}
	case view[0] == "breakdown" && len(view) <= 2:
		rows := r.Breakdown
		if len(view) == 2 {
			n, err := strconv.Atoi(view[1])
			if err != nil {
				t.Fatalf("%s: breakdown N: %v", c.Where(), err)
			}
			rows = r.TopBreakdown(n)
		}
		for _, g := range rows {
			var users, median []string
			for _, s := range g.Steps {
				users = append(users, strconv.Itoa(s.Users))
				median = append(median, seconds(s.MedianSeconds))
			}
			fmt.Fprintf(&b, "%s users %s median %s\n", g.Value, strings.Join(users, "/"), strings.Join(median, "/"))
		}
	case view[0] == "attempts" && len(view) == 1:
		for u, a := range r.Attempt {
			if a >= 0 {
				fmt.Fprintf(&b, "%s %s\n", d.Users[u], time.UnixMilli(d.Time[a]).In(d.Loc).Format("2006-01-02 15:04:05.000"))
			}
		}
	case view[0] == "trend" && len(view) == 1:
		for _, p := range r.Trend {
			if p.Users == 0 {
				continue
			}
			fmt.Fprintf(&b, "%s %d/%d %s in progress %d\n", p.T, p.Converted, p.Users, ratio(p.Conversion), p.InProgress)
		}
	default:
		t.Fatalf("%s: unknown funnel view %q", c.Where(), strings.Join(view, " "))
	}
	return b.String()
}

// funnelExplainView is funnel --explain for user: its text, or with trace
// its JSON.
func funnelExplainView(ctx context.Context, d *Dataset, q FunnelQuery, view, user string) (string, error) {
	if view == "explain" {
		return d.ExplainFunnel(ctx, q, user)
	}
	x, err := d.FunnelExplanation(ctx, q, user)
	if err != nil {
		return "", err
	}
	return traceJSON(x)
}

// traceJSON is v's JSON as a trace view shows it: keys in order, an object
// of plain values on one line.
func traceJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := readJSON(dec)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n.write(&b, "", "")
	return b.String(), nil
}

// jsonNode is a JSON value with its object keys in order: a plain value
// (its JSON text), or an object or array of kids.
type jsonNode struct {
	key   string // in an object, its key's JSON text
	plain string
	open  json.Delim
	kids  []*jsonNode
}

func readJSON(dec *json.Decoder) (*jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		b, err := json.Marshal(tok)
		return &jsonNode{plain: string(b)}, err
	}
	n := &jsonNode{open: d}
	for dec.More() {
		key := ""
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(k)
			key = string(b)
		}
		kid, err := readJSON(dec)
		if err != nil {
			return nil, err
		}
		kid.key = key
		n.kids = append(n.kids, kid)
	}
	_, err = dec.Token() // the closing delimiter
	return n, err
}

// write writes n with its key: an object or array of plain values (or of
// arrays of them) on one line, others one kid a line, indented by two
// spaces a level.
func (n *jsonNode) write(b *strings.Builder, indent, comma string) {
	b.WriteString(indent)
	if n.key != "" {
		b.WriteString(n.key + ": ")
	}
	oneLine := true
	for _, k := range n.kids {
		oneLine = oneLine && k.inline() != ""
	}
	if oneLine {
		b.WriteString(n.text() + comma + "\n")
		return
	}
	b.WriteString(n.open.String() + "\n")
	for i, k := range n.kids {
		sep := ","
		if i == len(n.kids)-1 {
			sep = ""
		}
		k.write(b, indent+"  ", sep)
	}
	b.WriteString(indent + n.closer() + comma + "\n")
}

// inline is n's text if it is a plain value or an array of them, else "".
func (n *jsonNode) inline() string {
	if n.open == '{' {
		return ""
	}
	for _, k := range n.kids {
		if k.open != 0 {
			return ""
		}
	}
	return n.text()
}

// text is n on one line.
func (n *jsonNode) text() string {
	if n.open == 0 {
		return n.plain
	}
	var parts []string
	for _, k := range n.kids {
		if k.key != "" {
			parts = append(parts, k.key+": "+k.text())
		} else {
			parts = append(parts, k.text())
		}
	}
	return n.open.String() + strings.Join(parts, ", ") + n.closer()
}

func (n *jsonNode) closer() string {
	if n.open == '{' {
		return "}"
	}
	return "]"
}

func pathsView(t *testing.T, c *querytest.Cmd, r *PathsResult, view []string) string {
	t.Helper()
	var b strings.Builder
	switch strings.Join(view, " ") {
	case "":
		return pathsLines(r)
	case "tree":
		fmt.Fprintf(&b, "users %d distinct paths %d\n", r.Users, r.DistinctPaths)
		var walk func(n *PathNode, depth int)
		walk = func(n *PathNode, depth int) {
			fmt.Fprintf(&b, "%s%s %d %s\n", strings.Repeat("  ", depth), n.Event, n.Users, strconv.FormatFloat(float64(n.Share), 'f', 2, 64))
			for _, c := range n.Children {
				walk(c, depth+1)
			}
		}
		walk(r.Tree, 0)
	case "transitions":
		for _, tr := range r.Transitions {
			fmt.Fprintf(&b, "%d %s > %s %d\n", tr.Step, tr.From, tr.To, tr.Users)
		}
	case "breakdown":
		fmt.Fprintf(&b, "by %s, users %d\n", r.By, r.Users)
		for _, g := range r.Breakdown {
			fmt.Fprintf(&b, "%q users %d distinct paths %d, tree users %d\n", g.Value, g.Users, g.DistinctPaths, g.Tree.Users)
			for _, p := range g.Paths {
				fmt.Fprintf(&b, "  %d %s: %s\n", p.Users, ratio(p.Share), strings.Join(p.Steps, " > "))
			}
			for _, tr := range g.Transitions {
				fmt.Fprintf(&b, "  %d %s > %s %d %s\n", tr.Step, tr.From, tr.To, tr.Users, ratio(tr.Share))
			}
		}
		b.WriteString(strings.Join(tableTitles(r.Tables(i18n.English)), "\n"))
	default:
		t.Fatalf("%s: unknown paths view %q", c.Where(), strings.Join(view, " "))
	}
	return b.String()
}

func retentionView(t *testing.T, c *querytest.Cmd, r *RetentionResult, view []string) string {
	t.Helper()
	switch strings.Join(view, " ") {
	case "":
		return retentionLines(t, r.Cohorts, r.Average)
	case "users":
		var b strings.Builder
		cells(t, c, &b, "", r.Cohorts, func(i, k int) []string { return r.CellUsers(i, k) })
		for g, grp := range r.Breakdown {
			cells(t, c, &b, fmt.Sprintf("%q ", grp.Value), grp.Cohorts, func(i, k int) []string { return r.GroupCellUsers(g, i, k) })
		}
		for _, g := range []int{-1, len(r.Breakdown)} {
			if users := r.GroupCellUsers(g, 0, 0); users != nil {
				t.Errorf("%s: group %d, which the result does not have, lists %v", c.Where(), g, users)
			}
		}
		return b.String()
	case "breakdown":
		var lines []string
		for _, g := range r.Breakdown {
			total := 0
			for _, co := range g.Cohorts {
				total += co.Size
			}
			if total != g.Size {
				t.Errorf("%s: %s has size %d, its cohorts sum to %d", c.Where(), g.Value, g.Size, total)
			}
			lines = append(lines, fmt.Sprintf("%q size %d", g.Value, g.Size))
			for _, l := range strings.Split(retentionLines(t, g.Cohorts, g.Average), "\n") {
				lines = append(lines, "  "+l)
			}
		}
		return strings.Join(append(lines, tableTitles(r.Tables(i18n.English))...), "\n")
	}
	t.Fatalf("%s: unknown retention view %q", c.Where(), strings.Join(view, " "))
	return ""
}

// cells writes each non-empty cell of a cohort table, "[GROUP ]START
// period K: users", from list; it checks that every cell lists as many
// users as it counts, and that cells the table does not have list none.
func cells(t *testing.T, c *querytest.Cmd, b *strings.Builder, group string, cohorts []RetentionCohort, list func(i, k int) []string) {
	t.Helper()
	for i, co := range cohorts {
		for k, n := range co.Retained {
			users := list(i, k)
			if users == nil || len(users) != n {
				t.Errorf("%s: %scohort %s period %d counts %d, lists %#v", c.Where(), group, co.Start, k, n, users)
			}
			if len(users) > 0 {
				fmt.Fprintf(b, "%s%s period %d: %s\n", group, co.Start, k, strings.Join(users, " "))
			}
		}
		if users := list(i, len(co.Retained)); users != nil {
			t.Errorf("%s: %scohort %s lists %v past its reported periods", c.Where(), group, co.Start, users)
		}
	}
	if users := list(len(cohorts), 0); users != nil {
		t.Errorf("%s: %sa cohort past the last lists %v", c.Where(), group, users)
	}
}

// retentionLines renders one line per cohort, "START size N retained
// A B C [incomplete from K]", and "average X Y Z" (percent, two decimals).
// It checks each percent against its count over the cohort's size, and
// each average against the weighted one of the cohorts whose period is
// complete (so the two decimals stand for the exact value).
func retentionLines(t *testing.T, cohorts []RetentionCohort, avg []float64) string {
	t.Helper()
	var lines []string
	var sum, size []int // per period, over the cohorts complete there
	for _, c := range cohorts {
		l := c.Start + " size " + strconv.Itoa(c.Size) + " retained"
		for k, n := range c.Retained {
			l += " " + strconv.Itoa(n)
			if c.Size > 0 && math.Abs(c.Percent[k]-100*float64(n)/float64(c.Size)) > 1e-9 {
				t.Errorf("cohort %s percent[%d] = %v for %d of %d", c.Start, k, c.Percent[k], n, c.Size)
			}
			if c.IncompleteFrom == nil || k < *c.IncompleteFrom {
				for len(sum) <= k {
					sum, size = append(sum, 0), append(size, 0)
				}
				sum[k] += n
				size[k] += c.Size
			}
		}
		if c.IncompleteFrom != nil {
			l += " incomplete from " + strconv.Itoa(*c.IncompleteFrom)
		}
		lines = append(lines, l)
	}
	for len(size) > 0 && size[len(size)-1] == 0 {
		size = size[:len(size)-1]
	}
	if len(avg) != len(size) {
		t.Errorf("average %v over %d periods; the cohorts complete %d", avg, len(avg), len(size))
	}
	l := "average"
	for k, v := range avg {
		l += " " + strconv.FormatFloat(v, 'f', 2, 64)
		if k < len(size) && size[k] > 0 && math.Abs(v-100*float64(sum[k])/float64(size[k])) > 1e-9 {
			t.Errorf("average[%d] = %v, the cohorts give %d of %d", k, v, sum[k], size[k])
		}
	}
	return strings.Join(append(lines, l), "\n")
}

func lifecycleView(t *testing.T, c *querytest.Cmd, r *LifecycleResult, view []string) string {
	t.Helper()
	switch strings.Join(view, " ") {
	case "":
		return lifecycleLines(r.Points)
	case "breakdown":
		lines := []string{"by " + r.By}
		for _, g := range r.Breakdown {
			lines = append(lines, fmt.Sprintf("%q users %d", g.Value, g.Users))
			for _, l := range strings.Split(lifecycleLines(g.Points), "\n") {
				lines = append(lines, "  "+l)
			}
		}
		return strings.Join(append(lines, tableTitles(r.Tables(i18n.English))...), "\n")
	}
	t.Fatalf("%s: unknown lifecycle view %q", c.Where(), strings.Join(view, " "))
	return ""
}

// tableTitles lists the titles of a result's tables, as "table TITLE".
func tableTitles(tables []output.Table) []string {
	var lines []string
	for _, tb := range tables {
		lines = append(lines, "table "+tb.Title)
	}
	return lines
}

// lifecycleLines renders one line per interval: "T new N returning N
// resurrecting N dormant N [incomplete]".
func lifecycleLines(points []LifecyclePoint) string {
	var lines []string
	for _, p := range points {
		l := fmt.Sprintf("%s new %d returning %d resurrecting %d dormant %d", p.T, p.New, p.Returning, p.Resurrecting, p.Dormant)
		if p.Incomplete {
			l += " incomplete"
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}
