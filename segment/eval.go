package segment

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Evaluator is an expression compiled against one dataset. It keeps
// scratch buffers, so one Evaluator must not be used by two goroutines.
type Evaluator struct {
	d       *query.Dataset
	anchor  int64          // "now": relative windows end here (the data's last event, or an as-of instant)
	asOf    bool           // events after anchor are ignored
	loc     *time.Location // calendar days, dates and evidence times (see WithZone)
	root    cnode
	Unknown []string // event names the expression uses that the data lacks
	Unset   []string // property names no event carries
}

// Evidence says why a user matched one term: the events and when.
type Evidence struct {
	Term   string     `json:"term"`
	Detail string     `json:"detail"` // in English, as all JSON; DetailIn shows it
	Events []EventRef `json:"events,omitempty"`
	detail i18n.Msg
}

// evidence keeps detail to show in either language, in English in JSON.
func evidence(term string, detail i18n.Msg, events ...EventRef) Evidence {
	return Evidence{Term: term, Detail: detail.In(i18n.English), Events: events, detail: detail}
}

// DetailIn is the detail in l (as stored when the evidence was read back
// from JSON rather than made by Explain).
func (e Evidence) DetailIn(l i18n.Lang) string {
	if e.detail.IsZero() {
		return e.Detail
	}
	return e.detail.In(l)
}

// EventRef is one event shown as evidence.
type EventRef struct {
	Event string `json:"event"`
	Time  string `json:"time"` // RFC 3339 in the display timezone
	Value string `json:"value,omitempty"`
}

// cnode is a compiled node; lo and hi bound one person's events.
type cnode interface {
	eval(lo, hi int) bool
	explain(lo, hi int, dst []Evidence) []Evidence
	text() string
}

// Compile resolves names, property columns and windows of n against d,
// in the timezone of ctx (WithZone) or else the dataset's.
func Compile(ctx context.Context, d *query.Dataset, n Node) (*Evaluator, error) {
	return compileAt(ctx, newEvaluator(d, Zone(ctx, d)), n)
}

// CompileAsOf evaluates n as if the data ended at instant t: later events
// are ignored and relative windows end at t. Persons with no event by then
// are not members (Span reports them empty).
func CompileAsOf(ctx context.Context, d *query.Dataset, n Node, t int64) (*Evaluator, error) {
	e := newEvaluator(d, Zone(ctx, d))
	if t < d.MaxTime {
		e.anchor, e.asOf = t, true
	}
	return compileAt(ctx, e, n)
}

func newEvaluator(d *query.Dataset, loc *time.Location) *Evaluator {
	return &Evaluator{d: d, anchor: d.MaxTime, loc: loc}
}

func compileAt(ctx context.Context, e *Evaluator, n Node) (*Evaluator, error) {
	root, err := e.compile(ctx, n)
	if err != nil {
		return nil, err
	}
	e.root = root
	return e, nil
}

// Evaluate parses expr and returns membership indexed by person.
func Evaluate(ctx context.Context, d *query.Dataset, expr string) ([]bool, error) {
	n, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	e, err := Compile(ctx, d, n)
	if err != nil {
		return nil, err
	}
	return e.Members(ctx)
}

// Dataset is the data the evaluator was compiled against.
func (e *Evaluator) Dataset() *query.Dataset { return e.d }

// Span bounds the events of person p the evaluator sees; lo == hi when
// the person has none (yet, for an as-of evaluation).
func (e *Evaluator) Span(p int) (int, int) {
	lo, hi := int(e.d.Start[p]), int(e.d.Start[p+1])
	if e.asOf {
		hi = lowerBound(e.d.Time, lo, hi, e.anchor+1)
	}
	return lo, hi
}

// Members evaluates every person.
func (e *Evaluator) Members(ctx context.Context) ([]bool, error) {
	out := make([]bool, len(e.d.Users))
	for p := range out {
		if p&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out[p] = e.Match(p)
	}
	return out, nil
}

// Match reports whether person p matches.
func (e *Evaluator) Match(p int) bool {
	lo, hi := e.Span(p)
	return hi > lo && e.root.eval(lo, hi)
}

// Explain lists the evidence for person p (who should match).
func (e *Evaluator) Explain(p int) []Evidence {
	lo, hi := e.Span(p)
	return e.root.explain(lo, hi, nil)
}

func (e *Evaluator) compile(ctx context.Context, n Node) (cnode, error) {
	switch n := n.(type) {
	case And:
		kids, err := e.compileAll(ctx, n.Terms)
		return &andNode{kids}, err
	case Or:
		kids, err := e.compileAll(ctx, n.Terms)
		return &orNode{kids}, err
	case Not:
		x, err := e.compile(ctx, n.X)
		return &notNode{x}, err
	case Did:
		m, err := e.matcher(ctx, n.Event)
		if err != nil {
			return nil, err
		}
		from, to, err := e.window(n.Win)
		return &didNode{e: e, src: n.Text, m: m, cmp: n.Cmp, n: n.N, from: from, to: to}, err
	case Seen:
		return e.seen(n)
	case UserProp:
		f, err := e.filter(ctx, n.Filter)
		return &propNode{e: e, src: n.Text, f: f}, err
	case Seq:
		return e.seq(ctx, n)
	case Streak:
		return e.streak(ctx, n)
	case Active:
		from, _ := e.rel(n.Rel)
		return &activeNode{e: e, src: n.Text, from: from, silent: n.Silent}, nil
	}
	return nil, i18n.Errorf("segment: cannot evaluate %T", n)
}

func (e *Evaluator) compileAll(ctx context.Context, ns []Node) ([]cnode, error) {
	out := make([]cnode, len(ns))
	for i, n := range ns {
		c, err := e.compile(ctx, n)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// cfilter is a property condition evaluated once per distinct value:
// ok[code] says whether an event with that code passes (code 0: unset).
type cfilter struct {
	codes []int32
	ok    []bool
	prop  *query.Prop
}

func (e *Evaluator) filter(ctx context.Context, f query.Filter) (cfilter, error) {
	p, err := e.prop(ctx, f.Prop)
	if err != nil {
		return cfilter{}, err
	}
	ok := make([]bool, len(p.Values)+1)
	// An unset property fails every test but the negative ones, as --where.
	ok[0] = f.Op == "is not set" || f.Op == "!=" || f.Op == "not in"
	for i, v := range p.Values {
		ok[i+1] = f.Test(v, p.Num[i])
	}
	return cfilter{codes: p.Codes, ok: ok, prop: p}, nil
}

// matcher is an event name with its compiled where conditions.
type matcher struct {
	ev    int32 // -1 when the data has no such event: nothing matches
	where []cfilter
}

func (e *Evaluator) matcher(ctx context.Context, m EventMatch) (matcher, error) {
	ev, ok := e.d.EventID(m.Name)
	if !ok {
		ev = -1
		e.unknown(m.Name)
	}
	out := matcher{ev: ev}
	for _, f := range m.Where {
		cf, err := e.filter(ctx, f)
		if err != nil {
			return out, err
		}
		out.where = append(out.where, cf)
	}
	return out, nil
}

// prop loads a property column and notes, once, a name no event carries.
func (e *Evaluator) prop(ctx context.Context, key string) (*query.Prop, error) {
	p, err := e.d.Prop(ctx, key)
	if err == nil && len(p.Values) == 0 && !slices.Contains(e.Unset, key) {
		e.Unset = append(e.Unset, key)
	}
	return p, err
}

// unknown notes an event name the data lacks, once.
func (e *Evaluator) unknown(name string) {
	if !slices.Contains(e.Unknown, name) {
		e.Unknown = append(e.Unknown, name)
	}
}

func (m *matcher) match(d *query.Dataset, i int) bool {
	if d.Event[i] != m.ev {
		return false
	}
	for k := range m.where {
		if !m.where[k].ok[m.where[k].codes[i]] {
			return false
		}
	}
	return true
}

// rel turns a relative window into [from, to) instants: calendar days
// (in the evaluator's zone) ending with the last event's day, or a
// duration before the last event, the same whatever the zone.
func (e *Evaluator) rel(r Rel) (int64, int64) {
	if r.Unit == 'h' || r.Unit == 'm' {
		unit := int64(time.Hour / time.Millisecond)
		if r.Unit == 'm' {
			unit = int64(time.Minute / time.Millisecond)
		}
		return e.anchor - int64(r.N)*unit + 1, e.anchor + 1
	}
	days := r.N
	if r.Unit == 'w' {
		days *= 7
	}
	last := dayStart(e.anchor, e.loc)
	return last.AddDate(0, 0, 1-days).UnixMilli(), last.AddDate(0, 0, 1).UnixMilli()
}

func (e *Evaluator) window(w Window) (int64, int64, error) {
	switch {
	case w.Rel.N > 0:
		from, to := e.rel(w.Rel)
		return from, to, nil
	case w.From != "":
		from, err := e.date(w.From, 0)
		if err != nil {
			return 0, 0, err
		}
		to, err := e.date(w.To, 1)
		return from, to, err
	}
	return math.MinInt64, math.MaxInt64, nil
}

// date is the start of day (plus days) of YYYY-MM-DD in the display timezone.
func (e *Evaluator) date(s string, plus int) (int64, error) {
	t, err := time.ParseInLocation("2006-01-02", s, e.loc)
	if err != nil {
		return 0, i18n.Errorf("segment: cannot read date %q (use YYYY-MM-DD)", s)
	}
	return t.AddDate(0, 0, plus).UnixMilli(), nil
}

func dayStart(ms int64, loc *time.Location) time.Time {
	t := time.UnixMilli(ms).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func (e *Evaluator) ref(i int) EventRef {
	return EventRef{Event: e.d.Names[e.d.Event[i]], Time: e.stamp(e.d.Time[i])}
}

func (e *Evaluator) stamp(ms int64) string {
	return time.UnixMilli(ms).In(e.loc).Format(time.RFC3339)
}

// lowerBound is the first index in [lo, hi) with time >= t.
func lowerBound(tm []int64, lo, hi int, t int64) int {
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tm[mid] < t {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

type andNode struct{ kids []cnode }

func (n *andNode) eval(lo, hi int) bool {
	for _, k := range n.kids {
		if !k.eval(lo, hi) {
			return false
		}
	}
	return true
}

func (n *andNode) explain(lo, hi int, dst []Evidence) []Evidence {
	for _, k := range n.kids {
		dst = k.explain(lo, hi, dst)
	}
	return dst
}

func (n *andNode) text() string { return joinText(n.kids, " and ") }

type orNode struct{ kids []cnode }

func (n *orNode) eval(lo, hi int) bool {
	for _, k := range n.kids {
		if k.eval(lo, hi) {
			return true
		}
	}
	return false
}

// explain shows only the alternatives that hold.
func (n *orNode) explain(lo, hi int, dst []Evidence) []Evidence {
	for _, k := range n.kids {
		if k.eval(lo, hi) {
			dst = k.explain(lo, hi, dst)
		}
	}
	return dst
}

func (n *orNode) text() string { return "(" + joinText(n.kids, " or ") + ")" }

func joinText(kids []cnode, sep string) string {
	parts := make([]string, len(kids))
	for i, k := range kids {
		parts[i] = k.text()
	}
	return strings.Join(parts, sep)
}

type notNode struct{ x cnode }

func (n *notNode) eval(lo, hi int) bool { return !n.x.eval(lo, hi) }

// explain: an absence has no events to show, only the statement.
func (n *notNode) explain(lo, hi int, dst []Evidence) []Evidence {
	return append(dst, evidence(n.text(), i18n.M("does not hold: %s", n.x.text())))
}

func (n *notNode) text() string { return "not " + n.x.text() }

// didNode counts matching events in [from, to).
type didNode struct {
	e        *Evaluator
	src      string
	m        matcher
	cmp      string
	n        int
	from, to int64
}

func (n *didNode) count(lo, hi int, stopAt int) int {
	d := n.e.d
	if n.m.ev < 0 {
		return 0
	}
	c := 0
	for i := lowerBound(d.Time, lo, hi, n.from); i < hi && d.Time[i] < n.to; i++ {
		if n.m.match(d, i) {
			c++
			if c >= stopAt {
				return c // the comparison is decided
			}
		}
	}
	return c
}

func (n *didNode) eval(lo, hi int) bool {
	switch n.cmp {
	case ">=":
		return n.count(lo, hi, n.n) >= n.n
	case ">":
		return n.count(lo, hi, n.n+1) > n.n
	case "=":
		return n.count(lo, hi, n.n+1) == n.n
	case "<=":
		return n.count(lo, hi, n.n+1) <= n.n
	case "<":
		return n.count(lo, hi, n.n) < n.n
	}
	return false
}

// evidenceEvents is how many of the most recent matching events evidence
// lists; the detail always states the full count.
const evidenceEvents = 3

func (n *didNode) explain(lo, hi int, dst []Evidence) []Evidence {
	d := n.e.d
	c := n.count(lo, hi, math.MaxInt)
	detail := i18n.M("%d times", c)
	if c > evidenceEvents {
		detail = i18n.M("%d times, the %d most recent shown", c, evidenceEvents)
	}
	ev := evidence(n.src, detail)
	for i := min(hi, lowerBound(d.Time, lo, hi, n.to)) - 1; i >= lo && d.Time[i] >= n.from && len(ev.Events) < evidenceEvents; i-- {
		if n.m.ev >= 0 && n.m.match(d, i) {
			ev.Events = append(ev.Events, n.e.ref(i))
		}
	}
	return append(dst, ev)
}

func (n *didNode) text() string { return n.src }

// seenNode tests the first or last event's time against [from, to).
type seenNode struct {
	e        *Evaluator
	src      string
	last     bool
	from, to int64
}

func (e *Evaluator) seen(s Seen) (cnode, error) {
	n := &seenNode{e: e, src: s.Text, last: s.Last}
	var err error
	n.from, n.to, err = e.seenRange(s)
	return n, err
}

// seenRange is the [from, to) the first or last event's time must lie in.
func (e *Evaluator) seenRange(s Seen) (from, to int64, err error) {
	from, to = math.MinInt64, math.MaxInt64
	switch s.Op {
	case "before":
		to, err = e.date(s.Date, 0)
	case "after":
		from, err = e.date(s.Date, 1)
	case "within":
		from, _ = e.rel(s.Rel)
	case "between":
		from, to, err = e.window(Window{From: s.Date, To: s.To})
	}
	return from, to, err
}

func (n *seenNode) at(lo, hi int) int {
	if n.last {
		return hi - 1
	}
	return lo
}

func (n *seenNode) eval(lo, hi int) bool {
	if hi <= lo {
		return false
	}
	t := n.e.d.Time[n.at(lo, hi)]
	return t >= n.from && t < n.to
}

func (n *seenNode) explain(lo, hi int, dst []Evidence) []Evidence {
	i := n.at(lo, hi)
	detail := i18n.M("first seen %s", n.e.stamp(n.e.d.Time[i]))
	if n.last {
		detail = i18n.M("last seen %s", n.e.stamp(n.e.d.Time[i]))
	}
	return append(dst, evidence(n.src, detail, n.e.ref(i)))
}

func (n *seenNode) text() string { return n.src }

// propNode tests the latest value of a property on the user's events.
type propNode struct {
	e   *Evaluator
	src string
	f   cfilter
}

// latest is the index of the user's last event with the property, or -1.
func (n *propNode) latest(lo, hi int) int {
	for i := hi - 1; i >= lo; i-- {
		if n.f.codes[i] != 0 {
			return i
		}
	}
	return -1
}

func (n *propNode) eval(lo, hi int) bool {
	i := n.latest(lo, hi)
	if i < 0 {
		return n.f.ok[0]
	}
	return n.f.ok[n.f.codes[i]]
}

func (n *propNode) explain(lo, hi int, dst []Evidence) []Evidence {
	i := n.latest(lo, hi)
	if i < 0 {
		return append(dst, evidence(n.src, i18n.M("%s never set", n.f.prop.Key)))
	}
	v, _ := n.f.prop.Value(i)
	ref := n.e.ref(i)
	ref.Value = v
	return append(dst, evidence(n.src, i18n.M("latest %s = %s", n.f.prop.Key, v), ref))
}

func (n *propNode) text() string { return n.src }
