package query

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// explainContext is how many events around the counted window an
// explanation shows of a long timeline; the rest is counted, not dropped
// silently.
const explainContext = 5

// explainFull is the timeline length shown in full.
const explainFull = 60

// ExplainFunnel tells why one user counts where they do: the verdict, and
// their timeline with the events that matched each step, the window and
// the other attempts. It evaluates the user exactly as Funnel does.
func (d *Dataset) ExplainFunnel(ctx context.Context, q FunnelQuery, user string) (string, error) {
	p, err := d.planFunnel(ctx, q)
	if err != nil {
		return "", err
	}
	u := -1
	for i, id := range d.Users {
		if id == user {
			u = i
			break
		}
	}
	if u < 0 {
		return "", fmt.Errorf("unknown user %q; run spoor user ID or spoor sql to look one up", user)
	}
	w := newFunnelWorker(p)
	level, open := w.person(u)
	e := &funnelExplainer{p: p, w: w, u: u, level: level, open: open}
	return e.text(), nil
}

type funnelExplainer struct {
	p     *funnelPlan
	w     *funnelWorker
	u     int
	level int
	open  bool
	b     strings.Builder
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

func (e *funnelExplainer) text() string {
	p, n := e.p, e.p.n
	names := make([]string, n)
	for k := range names {
		names[k] = e.stepName(k)
	}
	fmt.Fprintf(&e.b, "user %s — funnel %s (%s, window %s)\n", p.d.Users[e.u], strings.Join(names, " → "), p.mode, HumanSeconds(float64(p.window)/1000))
	fmt.Fprintf(&e.b, "%s\n\n", e.verdict())
	e.timeline()
	return e.b.String()
}

// verdict is the one-line answer: where the user counts, and why there.
func (e *funnelExplainer) verdict() string {
	p, w, n := e.p, e.w, e.p.n
	d := p.d
	if !p.s.Person(e.u) {
		return fmt.Sprintf("not counted: not in segment %s", p.q.Segment)
	}
	if e.level < 0 {
		return "not counted: " + e.noStart()
	}
	t0 := d.Time[w.cur[0]]
	if e.level == n-1 {
		return fmt.Sprintf("converted: all %d steps, from %s to %s (%s)", n, e.when(t0), e.when(d.Time[w.cur[n-1]]), HumanSeconds(float64(d.Time[w.cur[n-1]]-t0)/1000))
	}
	head := fmt.Sprintf("reached step %d of %d (%s)", e.level+1, n, e.stepName(e.level))
	if p.mode == FunnelAny {
		head = fmt.Sprintf("did %d of %d steps within one window", e.level+1, n)
	}
	if e.open {
		return fmt.Sprintf("in progress: %s; the window stays open until %s, after the data's last event at %s", head, e.when(t0+p.window), e.when(p.maxTime))
	}
	return fmt.Sprintf("dropped: %s; %s", head, e.why())
}

// noStart says why a user has no step-1 attempt.
func (e *funnelExplainer) noStart() string {
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
	first := "did no " + p.q.Steps[0].Event
	if p.mode == FunnelAny {
		first = "did none of the steps"
	}
	switch {
	case named == 0:
		return first
	case inRange == 0:
		return fmt.Sprintf("%d step events, none in the date range %s to %s", named, e.when(p.s.From), e.when(p.s.To-1))
	case kept == 0:
		return fmt.Sprintf("%d step events in range, all filtered out by --where", inRange)
	}
	return fmt.Sprintf("%d step events in range, none passing the step's own filters", kept)
}

// why explains a drop: what kept the next step from happening in time.
func (e *funnelExplainer) why() string {
	p, w := e.p, e.w
	d, s := p.d, p.s
	hi := int(d.Start[e.u+1])
	last := int(w.cur[e.level])
	limit := d.Time[w.cur[0]] + p.window
	closes := "the window closed at " + e.when(limit)
	if p.mode == FunnelAny {
		w.maxMatching() // over the counted window, which anyChain left in w.types
		var missing []string
		for k := range e.p.n {
			if w.assign[k] < 0 {
				missing = append(missing, e.stepName(k))
			}
		}
		return fmt.Sprintf("missing %s before %s", strings.Join(missing, ", "), closes)
	}
	for _, x := range p.excl {
		if x.from != e.level {
			continue
		}
		tf := d.Time[w.cur[x.from]]
		for j := int(d.Start[e.u]); j < hi; j++ {
			if d.Event[j] == x.ev && d.Time[j] > tf && d.Time[j] <= limit && s.Match(j) {
				return fmt.Sprintf("excluded: %s at %s came after step %d and before step %d", d.Names[x.ev], e.when(d.Time[j]), x.from+1, x.to+1)
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
			return fmt.Sprintf("no event after step %d", e.level+1)
		case d.Time[nx] > limit:
			return fmt.Sprintf("the next event, at %s, came after %s", e.when(d.Time[nx]), closes)
		case !p.matches(nx, k):
			return fmt.Sprintf("%s at %s came right after step %d and broke the strict chain", d.Names[d.Event[nx]], e.when(d.Time[nx]), e.level+1)
		}
		return e.excluded(k, d.Time[nx])
	}
	for j := int(d.Start[e.u]); j < hi; j++ {
		if d.Time[j] < d.Time[last] || e.inChain(j) || !s.Match(j) || !p.matches(j, k) {
			continue
		}
		if d.Time[j] > limit {
			return fmt.Sprintf("the next %s, at %s, came after %s", e.stepName(k), e.when(d.Time[j]), closes)
		}
		return e.excluded(k, d.Time[j])
	}
	return fmt.Sprintf("no %s at or after step %d", e.stepName(k), e.level+1)
}

// excluded names the exclusion that stopped step k at time t.
func (e *funnelExplainer) excluded(k int, t int64) string {
	p, w := e.p, e.w
	d := p.d
	for _, x := range p.excl {
		if x.to != k {
			continue
		}
		tf := d.Time[w.cur[x.from]]
		for j := int(d.Start[e.u]); j < int(d.Start[e.u+1]); j++ {
			if d.Event[j] == x.ev && d.Time[j] > tf && d.Time[j] < t && p.s.Match(j) {
				return fmt.Sprintf("excluded: %s at %s happened between step %d and step %d", d.Names[x.ev], e.when(d.Time[j]), x.from+1, x.to+1)
			}
		}
	}
	return fmt.Sprintf("no %s could follow step %d within the window", e.stepName(k), e.level+1)
}

func (e *funnelExplainer) inChain(j int) bool {
	for _, c := range e.w.cur[:e.level+1] {
		if int(c) == j {
			return true
		}
	}
	return false
}

// timeline prints the user's events with what each meant to the funnel.
func (e *funnelExplainer) timeline() {
	p, w := e.p, e.w
	d := p.d
	lo, hi := int(d.Start[e.u]), int(d.Start[e.u+1])
	from, to := lo, hi
	var limit int64 = -1 << 62
	if e.level >= 0 {
		limit = d.Time[w.cur[0]] + p.window
		if hi-lo > explainFull {
			from = max(lo, int(w.cur[0])-explainContext)
			to = int(w.cur[0])
			for to < hi && d.Time[to] <= limit {
				to++
			}
			to = min(hi, to+explainContext)
		}
	} else if hi-lo > explainFull {
		to = lo + explainFull
	}
	plural := "s"
	if hi-lo == 1 {
		plural = ""
	}
	fmt.Fprintf(&e.b, "timeline (%s), %d event%s:\n", p.s.Loc, hi-lo, plural)
	if from > lo {
		fmt.Fprintf(&e.b, "  … %d earlier events\n", from-lo)
	}
	closed := false
	for j := from; j < to; j++ {
		if e.level >= 0 && !closed && d.Time[j] > limit {
			fmt.Fprintf(&e.b, "  ── window closes at %s ──\n", e.when(limit))
			closed = true
		}
		fmt.Fprintf(&e.b, "  %s  %s%s\n", e.when(d.Time[j]), d.Names[d.Event[j]], e.note(j))
	}
	if e.level >= 0 && !closed {
		fmt.Fprintf(&e.b, "  ── window closes at %s ──\n", e.when(limit))
	}
	if to < hi {
		fmt.Fprintf(&e.b, "  … %d later events\n", hi-to)
	}
}

// note annotates one event of the timeline.
func (e *funnelExplainer) note(j int) string {
	p, w := e.p, e.w
	d, s := p.d, p.s
	for k := 0; k <= e.level; k++ {
		if int(w.cur[k]) != j {
			continue
		}
		label := fmt.Sprintf("step %d", k+1)
		if p.mode == FunnelAny {
			label = fmt.Sprintf("%d of %d steps", k+1, p.n)
		}
		if k == 0 {
			return "   ← " + label + " (counted attempt)"
		}
		return fmt.Sprintf("   ← %s (+%s)", label, HumanSeconds(float64(d.Time[j]-d.Time[w.cur[k-1]])/1000))
	}
	if !s.Match(j) {
		return "   (hidden by --where)"
	}
	if p.exclBy != nil && len(p.exclBy[d.Event[j]]) > 0 {
		return "   (excluded event)"
	}
	if p.mode != FunnelAny && d.Event[j] == p.ev[0] && p.stepOK(j, 0) {
		if !s.InRange(d.Time[j]) {
			return "   (step 1 outside the date range)"
		}
		return fmt.Sprintf("   (another step-1 attempt, reaching step %d)", e.attemptLevel(j)+1)
	}
	return ""
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
