package query

import (
	"context"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
)

// explainContext is how many events around the counted window an
// explanation shows of a long timeline; the rest is counted, not dropped
// silently.
const explainContext = 5

// explainFull is the timeline length shown in full.
const explainFull = 60

// Funnel explanation statuses.
const (
	ExplainConverted  = "converted"
	ExplainDropped    = "dropped"
	ExplainInProgress = "in_progress"
	ExplainNotCounted = "not_counted"
)

// FunnelExplain tells why one person counts where they do in a funnel:
// the verdict, the event that matched each step, and their timeline around
// the counted attempt. Its JSON keys are documented in docs/json.md.
type FunnelExplain struct {
	User          string  `json:"user"`
	Mode          string  `json:"mode"`
	Semantics     string  `json:"semantics,omitempty"` // another product's rules; absent for spoor's
	WindowSeconds float64 `json:"window_seconds"`
	Timezone      string  `json:"timezone"`
	Status        string  `json:"status"`        // converted, dropped, in_progress or not_counted
	StepsReached  int     `json:"steps_reached"` // distinct steps in any mode; 0 when not counted
	// Reason says why the person stopped where they did, or why they are
	// not counted; empty when they converted. Reason, Verdict and the
	// timeline's notes are English, as all JSON; the text forms show them
	// in the interface language.
	Reason        string               `json:"reason"`
	Verdict       string               `json:"verdict"`      // the one-line answer of the text form
	WindowStart   *string              `json:"window_start"` // the counted attempt's first event; null when not counted
	WindowEnd     *string              `json:"window_end"`   // inclusive
	Steps         []FunnelExplainStep  `json:"steps"`
	Events        int                  `json:"events"`         // all the person's events
	EarlierEvents int                  `json:"earlier_events"` // before the timeline shown
	LaterEvents   int                  `json:"later_events"`   // after it
	Timeline      []FunnelExplainEvent `json:"timeline"`

	reason, verdict i18n.Msg
	title           i18n.Msg // the text form's first line
	loc             *time.Location
	limit           int64 // window end (ms), when counted
}

// FunnelExplainStep is one step of the funnel for the explained person.
type FunnelExplainStep struct {
	Step    int      `json:"step"` // 1-based
	Event   string   `json:"event"`
	Where   []string `json:"where,omitempty"`
	Reached bool     `json:"reached"`
	Time    *string  `json:"time"` // the matched event; null when not reached
	// SecondsFromStart runs from the counted attempt's first event;
	// SecondsFromPrevious from the previous step's event (ordered and
	// strict modes, not step 1), as the funnel's time to convert.
	SecondsFromStart    *float64 `json:"seconds_from_start"`
	SecondsFromPrevious *float64 `json:"seconds_from_previous"`
}

// FunnelExplainEvent is one event of the explained timeline.
type FunnelExplainEvent struct {
	Time     string `json:"time"`
	Event    string `json:"event"`
	Step     int    `json:"step,omitempty"`      // the step it matched (1-based)
	Note     string `json:"note,omitempty"`      // what it meant to the funnel, as the text says it
	InWindow bool   `json:"in_window,omitempty"` // inside the counted attempt's window

	note  i18n.Msg
	ms    int64
	chain bool // one of the counted chain's events: the text marks it with an arrow
}

// explainTime is the instant format of explanation JSON: RFC 3339 with
// milliseconds, as spoor user prints, since equal or near times decide
// funnel steps.
const explainTime = "2006-01-02T15:04:05.000Z07:00"

// ExplainFunnel is the text form of FunnelExplanation.
func (d *Dataset) ExplainFunnel(ctx context.Context, q FunnelQuery, user string) (string, error) {
	x, err := d.FunnelExplanation(ctx, q, user)
	if err != nil {
		return "", err
	}
	return x.Text(), nil
}

// FunnelExplanation tells why one user counts where they do: the verdict,
// and their timeline with the events that matched each step, the window and
// the other attempts. It evaluates the user exactly as Funnel does.
func (d *Dataset) FunnelExplanation(ctx context.Context, q FunnelQuery, user string) (*FunnelExplain, error) {
	p, err := d.planFunnel(ctx, q)
	if err != nil {
		return nil, err
	}
	u := -1
	for i, id := range d.Users {
		if id == user {
			u = i
			break
		}
	}
	if u < 0 {
		return nil, i18n.Errorf("unknown user %q; run spoor user ID or spoor sql to look one up", user)
	}
	w := newFunnelWorker(p)
	level, open := w.person(u)
	if w.err != nil {
		return nil, w.err
	}
	e := &funnelExplainer{p: p, w: w, u: u, level: level, open: open}
	return e.explain(), nil
}

type funnelExplainer struct {
	p     *funnelPlan
	w     *funnelWorker
	u     int
	level int
	open  bool
	x     *FunnelExplain
	match []int // step -> its event in the counted attempt, -1
}

func (e *funnelExplainer) when(ms int64) string {
	return time.UnixMilli(ms).In(e.p.s.Loc).Format("2006-01-02 15:04:05.000")
}

func (e *funnelExplainer) stepName(k int) string {
	st := e.p.q.Steps[k]
	if len(st.Where) == 0 {
		return st.Event
	}
	return st.Event + " (" + strings.Join(st.Where, "; ") + ")"
}

func (e *funnelExplainer) explain() *FunnelExplain {
	p, n := e.p, e.p.n
	names := make([]string, n)
	for k := range names {
		names[k] = e.stepName(k)
	}
	rules := ModeMsg(p.mode)
	if p.sem != SemSpoor {
		rules = i18n.M("%s, %s semantics", ModeMsg(p.mode), p.sem)
	}
	x := &FunnelExplain{
		User: p.d.Users[e.u], Mode: p.mode, Semantics: p.semLabel(), WindowSeconds: float64(p.window) / 1000, Timezone: p.s.Loc.String(),
		StepsReached: e.level + 1, Steps: make([]FunnelExplainStep, n), Timeline: []FunnelExplainEvent{},
		title: i18n.M("user %s — funnel %s (%s, window %s)", p.d.Users[e.u], strings.Join(names, " → "), rules, output.Seconds(float64(p.window)/1000)),
		loc:   p.s.Loc,
	}
	e.x = x
	x.Status, x.reason, x.verdict = e.verdict()
	x.Reason, x.Verdict = x.reason.In(i18n.English), x.verdict.In(i18n.English)
	e.matchSteps()
	for k, st := range p.q.Steps {
		s := FunnelExplainStep{Step: k + 1, Event: st.Event, Where: st.Where, Reached: e.match[k] >= 0}
		if s.Reached {
			t := p.d.Time[e.match[k]]
			s.Time = ptr(e.stamp(t))
			s.SecondsFromStart = ptr(float64(t-p.d.Time[e.w.cur[0]]) / 1000)
			if k > 0 && p.mode != FunnelAny {
				s.SecondsFromPrevious = ptr(float64(t-p.d.Time[e.match[k-1]]) / 1000)
			}
		}
		x.Steps[k] = s
	}
	if e.level >= 0 {
		t0 := p.d.Time[e.w.cur[0]]
		x.limit = t0 + p.window
		x.WindowStart, x.WindowEnd = ptr(e.stamp(t0)), ptr(e.stamp(x.limit))
	}
	e.timeline()
	return x
}

func ptr[T any](v T) *T { return &v }

func (e *funnelExplainer) stamp(ms int64) string {
	return time.UnixMilli(ms).In(e.p.s.Loc).Format(explainTime)
}

// matchSteps finds the event of each step reached. In ordered and strict
// modes that is the counted chain. In any mode the chain holds the events
// at which the count of distinct steps grew, not which step each filled:
// the window's matching of steps to event types decides, and each type
// hands its events to its steps in time order, the chain's events first.
func (e *funnelExplainer) matchSteps() {
	p, w, d := e.p, e.w, e.p.d
	e.match = make([]int, p.n)
	for k := range e.match {
		e.match[k] = -1
	}
	if e.level < 0 {
		return
	}
	if p.mode != FunnelAny {
		for k := 0; k <= e.level; k++ {
			e.match[k] = int(w.cur[k])
		}
		return
	}
	if p.sem != SemSpoor { // PostHog: each event filled the first step it meets
		for _, j := range w.cur[:e.level+1] {
			e.match[p.phSteps(int(j), nil)[0]-1] = int(j)
		}
		return
	}
	w.maxMatching() // over the events anyChain counted, as why() reads it
	lo, hi := int(d.Start[e.u]), int(d.Start[e.u+1])
	ts := d.Time[w.start]
	var cands []int
	for _, c := range w.cur[:e.level+1] {
		cands = append(cands, int(c))
	}
	g := w.start
	for g > lo && d.Time[g-1] == ts {
		g--
	}
	for j := g; j < hi && d.Time[j] <= ts+p.window; j++ {
		if e.level == p.n-1 && j > int(w.cur[p.n-1]) {
			break // anyChain stopped counting once every step was done
		}
		if w.tids[j-lo] >= 0 && !e.inChain(j) {
			cands = append(cands, j)
		}
	}
	taken := make([]bool, len(cands))
	for k := range e.match {
		for c, j := range cands {
			if !taken[c] && w.assign[k] >= 0 && w.tids[j-lo] == w.assign[k] {
				taken[c], e.match[k] = true, j
				break
			}
		}
	}
}

// verdict is the one-line answer: where the user counts, and why there,
// with its status and reason apart.
func (e *funnelExplainer) verdict() (status string, reason, line i18n.Msg) {
	p, w, n := e.p, e.w, e.p.n
	d := p.d
	if !p.s.Person(e.u) {
		reason = i18n.M("not in segment %s", p.q.Segment)
		return ExplainNotCounted, reason, i18n.M("not counted: %s", reason)
	}
	if e.level < 0 {
		reason = e.noStart()
		return ExplainNotCounted, reason, i18n.M("not counted: %s", reason)
	}
	t0 := d.Time[w.cur[0]]
	if e.level == n-1 {
		return ExplainConverted, i18n.Msg{}, i18n.M("converted: all %d steps, from %s to %s (%s)", n, e.when(t0), e.when(d.Time[w.cur[n-1]]), output.Seconds(float64(d.Time[w.cur[n-1]]-t0)/1000))
	}
	head := i18n.M("reached step %d of %d (%s)", e.level+1, n, e.stepName(e.level))
	if p.mode == FunnelAny {
		head = i18n.M("did %d of %d steps within one window", e.level+1, n)
	}
	if e.open {
		reason = i18n.M("the window stays open until %s, after the data's last event at %s", e.when(t0+p.window), e.when(p.maxTime))
		return ExplainInProgress, reason, i18n.M("in progress: %s; %s", head, reason)
	}
	reason = e.why()
	return ExplainDropped, reason, i18n.M("dropped: %s; %s", head, reason)
}

// noStart says why a user has no step-1 attempt.
func (e *funnelExplainer) noStart() i18n.Msg {
	p, d := e.p, e.p.d
	lo, hi := int(d.Start[e.u]), int(d.Start[e.u+1])
	var named, inRange, kept int
	for i := lo; i < hi; i++ {
		if p.mode == FunnelAny {
			if len(p.any[d.Event[i]]) == 0 {
				continue
			}
		} else if d.Event[i] != p.ev[0] {
			continue
		}
		named++
		if !p.s.InRange(d.Time[i]) {
			continue
		}
		inRange++
		if p.s.Match(i) {
			kept++
		}
	}
	switch {
	case named == 0 && p.mode == FunnelAny:
		return i18n.M("did none of the steps")
	case named == 0:
		return i18n.M("did no %s", p.q.Steps[0].Event)
	case inRange == 0:
		return i18n.M("%d step events, none in the date range %s to %s", named, e.when(p.s.From), e.when(p.s.To-1))
	case kept == 0:
		return i18n.M("%d step events in range, all filtered out by --where", inRange)
	}
	return i18n.M("%d step events in range, none passing the step's own filters", kept)
}

// why explains a drop: what kept the next step from happening in time.
func (e *funnelExplainer) why() i18n.Msg {
	p, w := e.p, e.w
	if p.sem != SemSpoor {
		return e.vendorWhy()
	}
	d, s := p.d, p.s
	hi := int(d.Start[e.u+1])
	last := int(w.cur[e.level])
	limit := d.Time[w.cur[0]] + p.window
	closes := i18n.M("the window closed at %s", e.when(limit))
	if p.mode == FunnelAny {
		w.maxMatching() // over the counted window, which anyChain left in w.types
		var missing []string
		for k := range e.p.n {
			if w.assign[k] < 0 {
				missing = append(missing, e.stepName(k))
			}
		}
		return i18n.M("missing %s before %s", strings.Join(missing, ", "), closes)
	}
	for _, x := range p.excl {
		if x.from != e.level {
			continue
		}
		tf := d.Time[w.cur[x.from]]
		for j := int(d.Start[e.u]); j < hi; j++ {
			if d.Event[j] == x.ev && d.Time[j] > tf && d.Time[j] <= limit && s.Match(j) {
				return i18n.M("excluded: %s at %s came after step %d and before step %d", d.Names[x.ev], e.when(d.Time[j]), x.from+1, x.to+1)
			}
		}
	}
	k := e.level + 1
	if p.mode == FunnelStrict {
		nx := last + 1
		for nx < hi && !s.Match(nx) {
			nx++
		}
		switch {
		case nx >= hi:
			return i18n.M("no event after step %d", e.level+1)
		case d.Time[nx] > limit:
			return i18n.M("the next event, at %s, came after %s", e.when(d.Time[nx]), closes)
		case !p.matches(nx, k):
			return i18n.M("%s at %s came right after step %d and broke the strict chain", d.Names[d.Event[nx]], e.when(d.Time[nx]), e.level+1)
		}
		return e.excluded(k, d.Time[nx])
	}
	for j := int(d.Start[e.u]); j < hi; j++ {
		if d.Time[j] < d.Time[last] || e.inChain(j) || !s.Match(j) || !p.matches(j, k) {
			continue
		}
		if d.Time[j] > limit {
			return i18n.M("the next %s, at %s, came after %s", e.stepName(k), e.when(d.Time[j]), closes)
		}
		return e.excluded(k, d.Time[j])
	}
	return i18n.M("no %s at or after step %d", e.stepName(k), e.level+1)
}

// excluded names the exclusion that stopped step k at time t.
func (e *funnelExplainer) excluded(k int, t int64) i18n.Msg {
	p, w := e.p, e.w
	d := p.d
	for _, x := range p.excl {
		if x.to != k {
			continue
		}
		tf := d.Time[w.cur[x.from]]
		for j := int(d.Start[e.u]); j < int(d.Start[e.u+1]); j++ {
			if d.Event[j] == x.ev && d.Time[j] > tf && d.Time[j] < t && p.s.Match(j) {
				return i18n.M("excluded: %s at %s happened between step %d and step %d", d.Names[x.ev], e.when(d.Time[j]), x.from+1, x.to+1)
			}
		}
	}
	return i18n.M("no %s could follow step %d within the window", e.stepName(k), e.level+1)
}

func (e *funnelExplainer) inChain(j int) bool {
	for _, c := range e.w.cur[:e.level+1] {
		if int(c) == j {
			return true
		}
	}
	return false
}

// timeline lists the user's events with what each meant to the funnel:
// all of them, or for a long timeline the counted window with a few events
// either side.
func (e *funnelExplainer) timeline() {
	p, w, x := e.p, e.w, e.x
	d := p.d
	lo, hi := int(d.Start[e.u]), int(d.Start[e.u+1])
	from, to := lo, hi
	if e.level >= 0 {
		if hi-lo > explainFull {
			from = max(lo, int(w.cur[0])-explainContext)
			to = int(w.cur[0])
			for to < hi && d.Time[to] <= x.limit {
				to++
			}
			to = min(hi, to+explainContext)
		}
	} else if hi-lo > explainFull {
		to = lo + explainFull
	}
	x.Events, x.EarlierEvents, x.LaterEvents = hi-lo, from-lo, hi-to
	t0 := int64(0)
	if e.level >= 0 {
		t0 = d.Time[w.cur[0]]
	}
	for j := from; j < to; j++ {
		t := d.Time[j]
		ev := FunnelExplainEvent{Time: e.stamp(t), Event: d.Names[d.Event[j]], ms: t, InWindow: e.level >= 0 && t >= t0 && t <= x.limit}
		ev.note, ev.chain = e.note(j)
		ev.Note = ev.note.In(i18n.English)
		for k, m := range e.match {
			if m == j {
				ev.Step = k + 1
			}
		}
		x.Timeline = append(x.Timeline, ev)
	}
}

// note says what one event of the timeline meant, and whether it is one
// of the counted chain's events.
func (e *funnelExplainer) note(j int) (i18n.Msg, bool) {
	p, w := e.p, e.w
	d, s := p.d, p.s
	for k := 0; k <= e.level; k++ {
		if int(w.cur[k]) != j {
			continue
		}
		label := i18n.M("step %d", k+1)
		if p.mode == FunnelAny {
			label = i18n.M("%d of %d steps", k+1, p.n)
		}
		if k == 0 {
			return i18n.M("%s (counted attempt)", label), true
		}
		return i18n.M("%s (+%s)", label, output.Seconds(float64(d.Time[j]-d.Time[w.cur[k-1]])/1000)), true
	}
	if !s.Match(j) {
		return i18n.M("hidden by --where"), false
	}
	if p.exclBy != nil && len(p.exclBy[d.Event[j]]) > 0 {
		return i18n.M("excluded event"), false
	}
	if p.mode != FunnelAny && d.Event[j] == p.ev[0] && p.stepOK(j, 0) {
		if !s.InRange(d.Time[j]) {
			return i18n.M("step 1 outside the date range"), false
		}
		if p.sem != SemSpoor {
			return i18n.M("a step-1 event, not the counted one"), false
		}
		return i18n.M("another step-1 attempt, reaching step %d", e.attemptLevel(j)+1), false
	}
	return i18n.Msg{}, false
}

// attemptLevel evaluates another attempt, for the timeline; the counted
// chain was copied out of the worker's buffers already.
func (e *funnelExplainer) attemptLevel(j int) int {
	d := e.p.d
	hi := int(d.Start[e.u+1])
	if e.p.mode == FunnelStrict {
		return e.w.strict(j, hi)
	}
	return e.w.ordered(j, int(d.Start[e.u]), hi, e.p.n-1)
}
