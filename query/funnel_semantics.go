package query

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/spoorhq/spoor/i18n"
)

// Funnel semantics: whose counting rules a funnel follows
// (docs/semantics.md#vendor-semantics). spoor's own rules are the
// default; the others reproduce how each product counts the same steps,
// so that their numbers can be put side by side and explained.
const (
	SemSpoor      = "spoor"
	SemPostHog    = "posthog"
	SemMixpanel   = "mixpanel"
	SemAmplitude  = "amplitude"
	SemClickHouse = "clickhouse"
)

// Semantics lists every semantics, in the order --compare shows them.
var Semantics = []string{SemSpoor, SemPostHog, SemMixpanel, SemAmplitude, SemClickHouse}

// semanticsModes are the modes each semantics reproduces.
var semanticsModes = map[string][]string{
	SemSpoor:      {FunnelOrdered, FunnelStrict, FunnelAny},
	SemPostHog:    {FunnelOrdered, FunnelStrict, FunnelAny},
	SemMixpanel:   {FunnelOrdered},
	SemAmplitude:  {FunnelOrdered, FunnelStrict},
	SemClickHouse: {FunnelOrdered},
}

// planSemantics validates the semantics, its options and what it can
// reproduce of the rest of the query.
func (p *funnelPlan) planSemantics() error {
	q := p.q
	sem := strings.ToLower(strings.TrimSpace(q.Semantics))
	if sem == "" {
		sem = SemSpoor
	}
	modes, ok := semanticsModes[sem]
	if !ok {
		return i18n.Errorf("unknown funnel semantics %q (use %s)", q.Semantics, strings.Join(Semantics, ", "))
	}
	p.sem = sem
	if len(q.Options) > 0 && sem != SemClickHouse {
		return i18n.Errorf("--option names a ClickHouse windowFunnel option; it needs --semantics clickhouse")
	}
	if !slices.Contains(modes, p.mode) {
		if sem == SemClickHouse && p.mode == FunnelStrict {
			return unsupportedError{i18n.M("--semantics %s reproduces the %s mode, not %s (windowFunnel's nearest is --option strict_order)", sem, modes[0], p.mode)}
		}
		if len(modes) == 1 {
			return unsupportedError{i18n.M("--semantics %s reproduces the %s mode, not %s", sem, modes[0], p.mode)}
		}
		// A semantics reproducing all three modes never gets here.
		return unsupportedError{i18n.M("--semantics %s reproduces the %s and %s modes, not %s", sem, modes[0], modes[1], p.mode)}
	}
	if sem != SemSpoor && len(q.Exclude) > 0 {
		return unsupportedError{i18n.M("exclusions are computed with spoor's semantics only; drop --exclude or --semantics %s", sem)}
	}
	if sem == SemClickHouse {
		if p.n > chMaxSteps {
			return i18n.Errorf("ClickHouse's windowFunnel takes at most %d steps, got %d", chMaxSteps, p.n)
		}
		var err error
		if p.ch, err = parseCHOptions(q.Options); err != nil {
			return err
		}
	}
	return nil
}

// unsupportedError says a semantics cannot reproduce part of a query:
// --compare leaves that semantics out rather than failing, and gives the
// reason in English in its JSON.
type unsupportedError struct{ msg i18n.Msg }

func (e unsupportedError) Error() string { return e.msg.String() }

// vendorPerson evaluates person u under another product's semantics. It
// sets w.start and w.cur like person, and never reports a person in
// progress: none of these products has the notion.
func (w *funnelWorker) vendorPerson(lo, hi int) int {
	switch w.p.sem {
	case SemClickHouse:
		return w.clickhousePerson(lo, hi)
	case SemPostHog:
		if w.p.mode == FunnelAny {
			return w.posthogAny(lo, hi)
		}
		return w.posthogPerson(lo, hi)
	case SemMixpanel:
		return w.mixpanelPerson(lo, hi)
	}
	return w.amplitudePerson(lo, hi)
}

// amplitudePerson follows Amplitude's "earliest, longest path": the
// deepest level any step-1 event in range reaches, the earliest such
// attempt counted. Later steps may fall after the range, within the
// window, as in spoor's rules, which it otherwise shares.
func (w *funnelWorker) amplitudePerson(lo, hi int) int {
	p, d, s := w.p, w.p.d, w.p.s
	end := lo
	for end < hi && d.Time[end] < s.To {
		end++
	}
	target, _, _ := w.attempts(lo, end, hi, w.n-1, math.MaxInt)
	if target < 0 {
		return -1
	}
	for i := lo; i < end; i++ {
		if d.Time[i] < s.From || d.Event[i] != p.ev[0] || !s.Match(i) || !p.stepOK(i, 0) {
			continue
		}
		l := 0
		if p.mode == FunnelStrict {
			l = w.strict(i, hi)
		} else {
			l = w.ordered(i, lo, hi, target)
		}
		if l == target {
			w.start = i
			copy(w.cur, w.reach[l*w.n:l*w.n+l+1])
			return l
		}
	}
	return target // not reached: attempts found target at one of these events
}

// mixpanelPerson follows Mixpanel's unique-users funnel: the person
// enters once, at their first step-1 event in range, and the window runs
// from it whatever later step-1 events do; each later step is the first
// matching event after the previous step's (events of one instant in
// stored order), which may fall after the range, within the window.
func (w *funnelWorker) mixpanelPerson(lo, hi int) int {
	p, d, s := w.p, w.p.d, w.p.s
	i1 := -1
	for i := lo; i < hi && d.Time[i] < s.To; i++ {
		if d.Time[i] >= s.From && d.Event[i] == p.ev[0] && s.Match(i) && p.stepOK(i, 0) {
			i1 = i
			break
		}
	}
	if i1 < 0 {
		return -1
	}
	w.start, w.cur[0] = i1, int32(i1)
	limit := d.Time[i1] + p.window
	level, j := 0, i1+1
	for k := 1; k < w.n; k++ {
		for j < hi && d.Time[j] <= limit && !(s.Match(j) && p.matches(j, k)) {
			j++
		}
		if j >= hi || d.Time[j] > limit {
			break
		}
		w.cur[k], level = int32(j), k
		j++
	}
	return level
}

// phEntered is PostHog's EnteredTimestamp: the funnel entry a step was
// reached from (its step-1 time) and the rows that reached it.
type phEntered struct {
	set  bool
	t    int64
	rows []int32
}

// posthogPerson ports PostHog's ordered and strict funnel (the
// aggregate_funnel UDF, funnel-udf/src/steps.rs, without exclusions,
// optional steps and breakdowns). It sees only the person's events in the
// date range that pass --where; in strict mode all of them, otherwise
// those of the steps' names. Every step-1 event starts a new entry that
// replaces the last; a step keeps the first event that reached it from an
// entry; the deepest step first reached is counted.
func (w *funnelWorker) posthogPerson(lo, hi int) int {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	if len(w.ph) < n+1 {
		w.ph = make([]phEntered, n+1)
	}
	et := w.ph[:n+1]
	clear(et)
	maxStep, maxRows := 0, w.phMax[:0]
	var steps []int32 // steps (1-based) one event meets
	for g := lo; g < hi; {
		t := d.Time[g]
		end := g
		for end < hi && d.Time[end] == t {
			end++
		}
		et[0] = phEntered{set: true, t: t}
		w.group = w.group[:0]
		for j := g; j < end; j++ {
			if !s.InRange(t) || !s.Match(j) || (p.mode != FunnelStrict && len(p.any[d.Event[j]]) == 0) {
				continue
			}
			w.group = append(w.group, int32(j))
		}
		g = end
		// One event, or several meeting the same steps: each in turn.
		// Otherwise every (event, step) pair alone, by step, the strict
		// clearing skipped (PostHog: "ordering makes it complicated").
		same := true
		for _, j := range w.group[min(1, len(w.group)):] {
			if !slices.Equal(p.phSteps(int(j), steps[:0]), p.phSteps(int(w.group[0]), nil)) {
				same = false
				break
			}
		}
		if same {
			for _, j := range w.group {
				steps = p.phSteps(int(j), steps[:0])
				w.phEvent(et, int(j), steps, false, &maxStep, &maxRows)
				if p.mode == FunnelStrict {
					for k := 1; k <= n; k++ {
						if !slices.Contains(steps, int32(k)) {
							et[k] = phEntered{}
						}
					}
				}
			}
		} else {
			type pair struct{ row, step int32 }
			var pairs []pair
			for _, j := range w.group {
				for _, k := range p.phSteps(int(j), steps[:0]) {
					pairs = append(pairs, pair{j, k})
				}
			}
			slices.SortStableFunc(pairs, func(a, b pair) int { return int(a.step - b.step) })
			for _, pr := range pairs {
				w.phEvent(et, int(pr.row), []int32{pr.step}, true, &maxStep, &maxRows)
			}
		}
		if et[n].set {
			break
		}
	}
	w.phMax = maxRows
	if maxStep == 0 {
		return -1
	}
	copy(w.cur, maxRows)
	w.start = int(maxRows[0])
	return maxStep - 1
}

// phSteps appends the 1-based steps row j meets, ascending.
func (p *funnelPlan) phSteps(j int, out []int32) []int32 {
	for _, k := range p.any[p.d.Event[j]] {
		if p.stepOK(j, int(k)) {
			out = append(out, k+1)
		}
	}
	return out
}

// phEvent is process_event for one row meeting steps (1-based,
// ascending; taken last first, so one event never fills two steps of one
// entry in a row).
func (w *funnelWorker) phEvent(et []phEntered, j int, steps []int32, multiple bool, maxStep *int, maxRows *[]int32) {
	t := w.p.d.Time[j]
	for x := len(steps) - 1; x >= 0; x-- {
		step := int(steps[x])
		prev := et[step-1]
		if !prev.set || t-prev.t > w.p.window {
			continue
		}
		if et[step].set && et[step].t == prev.t {
			continue // already reached from this entry
		}
		if multiple && slices.Contains(prev.rows, int32(j)) {
			continue
		}
		rows := append(slices.Clip(prev.rows), int32(j))
		et[step] = phEntered{set: true, t: prev.t, rows: rows}
		if step > *maxStep {
			*maxStep = step
			*maxRows = append((*maxRows)[:0], rows...)
		}
	}
}

// semLabel is the semantics as results name it: empty for spoor's own.
func (p *funnelPlan) semLabel() string {
	if p.sem == SemSpoor {
		return ""
	}
	return p.sem
}

// posthogAny ports PostHog's unordered funnel (funnel-udf/src/
// unordered_steps.rs, without exclusions and breakdowns): each event of
// the range meeting a step joins the queue of the first step it meets
// (PostHog's choice among several ends up the first, its sort key being
// empty), every queue drops the events more than the window before it,
// and the level is the most queues ever non-empty at once; the counted
// chain is the queues' oldest events then, in time order.
func (w *funnelWorker) posthogAny(lo, hi int) int {
	p, d, s, n := w.p, w.p.d, w.p.s, w.n
	if len(w.phQueue) < n {
		w.phQueue = make([][]int32, n)
	}
	q := w.phQueue[:n]
	for k := range q {
		q[k] = q[k][:0]
	}
	filled, best := 0, 0
	var steps []int32
	for j := lo; j < hi; j++ {
		if !s.InRange(d.Time[j]) || !s.Match(j) {
			continue
		}
		if steps = p.phSteps(j, steps[:0]); len(steps) == 0 {
			continue
		}
		k := steps[0] - 1
		if len(q[k]) == 0 {
			filled++
		}
		q[k] = append(q[k], int32(j))
		for x := range q {
			if len(q[x]) == 0 {
				continue
			}
			drop := 0
			for drop < len(q[x]) && d.Time[j]-d.Time[q[x][drop]] > p.window {
				drop++
			}
			q[x] = q[x][drop:]
			if len(q[x]) == 0 {
				filled--
			}
		}
		if filled > best {
			best = filled
			w.phMax = w.phMax[:0]
			for x := range q {
				if len(q[x]) > 0 {
					w.phMax = append(w.phMax, q[x][0])
				}
			}
			slices.SortStableFunc(w.phMax, func(a, b int32) int { return cmp.Compare(d.Time[a], d.Time[b]) })
		}
	}
	if best == 0 {
		return -1
	}
	copy(w.cur, w.phMax)
	w.start = int(w.cur[0])
	return best - 1
}
