package experiment

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Num is a statistic that may be undefined (NaN), written as JSON null.
type Num = query.Num

var nan = query.Undefined

// Verdicts, in plain words.
const (
	VerdictWinner       = "significant winner"
	VerdictNoDifference = "no detectable difference"
	VerdictTooFew       = "too few users"
	VerdictOneVariant   = "one variant only"
	VerdictNoExposure   = "no exposure"
)

// SRMThreshold is the p-value below which the traffic split is flagged as
// a sample-ratio mismatch. It is strict (0.001, as is common practice)
// because a false alarm sends the analyst hunting for a logging bug.
const SRMThreshold = 0.001

// Result is an evaluated experiment. The workbench draws Variants (Rate
// with Low/High as bars with whiskers, Steps as the funnel per variant)
// and prints Verdict and Text.
type Result struct {
	Property      string   `json:"variant_property"`
	Control       string   `json:"control"`
	Goal          string   `json:"goal,omitempty"`
	Steps         []string `json:"steps,omitempty"`
	WindowSeconds float64  `json:"window_seconds"`
	Alpha         float64  `json:"alpha"`
	MDE           float64  `json:"mde"` // minimum relative lift worth detecting
	// MDEUsers is the users per variant needed to detect a lift of MDE
	// from the control at 80% power.
	MDEUsers Num       `json:"mde_needed_users"`
	Variants []Variant `json:"variants"`
	// SRM is Pearson's chi-square of the exposed users against the
	// intended split (null with one variant).
	SRMChi2     Num  `json:"srm_chi2"`
	SRMP        Num  `json:"srm_p_value"`
	SRMMismatch bool `json:"srm_mismatch"`
	// Excluded users were seen with more than one variant; Conflicts
	// counts them by the variants they mixed ("A + B").
	Excluded  int            `json:"excluded_users"`
	Conflicts map[string]int `json:"excluded_by_variants,omitempty"`
	Revenue   string         `json:"revenue_property,omitempty"`
	Verdict   string         `json:"verdict"`
	Winner    string         `json:"winner,omitempty"`
	Text      string         `json:"verdict_text"` // in English, as all JSON; VerdictText shows it
	// Methods names the statistics, so a reader can check them.
	Methods Methods `json:"methods"`
	// With --by: the experiment within each group (variant x group), a
	// user's group being the property on their exposure event.
	By        string  `json:"by,omitempty"`
	Breakdown []Group `json:"breakdown,omitempty"`

	text i18n.Msg // the verdict's sentence, Text in any language
}

// Group is the experiment over one --by group's users alone, against the
// overall control; Note says why a group has no Result (its users never
// saw the control).
type Group struct {
	Value string `json:"value"`
	Note  string `json:"note,omitempty"` // in English, as all JSON
	*Result

	note i18n.Msg // Note as the tables show it
}

// exposed counts the group's users in the test, for ordering groups.
func (g Group) exposed() int {
	n := 0
	if g.Result != nil {
		for _, v := range g.Variants {
			n += v.Users
		}
	}
	return n
}

// Methods documents which statistics produced the numbers.
type Methods struct {
	RateCI       string `json:"rate_ci"`
	DiffCI       string `json:"diff_ci"`
	LiftCI       string `json:"lift_ci"`
	Test         string `json:"test"`
	SmallCounts  string `json:"small_counts"`
	Multiple     string `json:"multiple_comparisons"`
	SampleSize   string `json:"sample_size"`
	RevenueTest  string `json:"revenue_test,omitempty"`
	SampleRatio  string `json:"sample_ratio"`
	Significance string `json:"significance"`
}

// Variant is one arm of the experiment.
type Variant struct {
	Name        string `json:"variant"`
	Control     bool   `json:"control"`
	Users       int    `json:"users"`
	Conversions int    `json:"conversions"`
	// InProgress users have not converted and their window is still open
	// at the data's end; they count as not converted.
	InProgress int `json:"in_progress"`
	Rate       Num `json:"rate"`
	Low        Num `json:"ci_low"` // 95% Wilson interval of Rate
	High       Num `json:"ci_high"`
	// Lift is relative (rate / control − 1), Diff absolute (rate −
	// control); both 0 for the control, whose intervals are null.
	Lift     Num `json:"lift"`
	LiftLow  Num `json:"lift_ci_low"`
	LiftHigh Num `json:"lift_ci_high"`
	Diff     Num `json:"diff"`
	DiffLow  Num `json:"diff_ci_low"`
	DiffHigh Num `json:"diff_ci_high"`
	P        Num `json:"p_value"` // against the control; null for the control
	// Test is "z" (pooled two-proportion z-test) or "fisher" (Fisher's
	// exact test, used when any cell of the 2×2 table is below 5).
	Test string `json:"test,omitempty"`
	// Significant: P is below alpha (Bonferroni-corrected with several
	// variants).
	Significant bool `json:"significant"`
	// Needed is the users per variant for 80% power at the observed lift.
	Needed   Num     `json:"needed_users"`
	Share    float64 `json:"share"`          // observed share of exposed users
	Expected float64 `json:"expected_share"` // intended share
	Steps    []Step  `json:"funnel,omitempty"`
	Rev      *Money  `json:"revenue,omitempty"`
}

// Step is one funnel step of a variant.
type Step struct {
	Event      string `json:"event"`
	Users      int    `json:"users"`
	Conversion Num    `json:"conversion"`      // from exposure
	StepConv   Num    `json:"step_conversion"` // from the previous step
}

// Money is the numeric goal of a variant: the mean per exposed user of the
// revenue property summed over goal events (0 for non-converters).
type Money struct {
	Mean     Num `json:"mean"`
	SD       Num `json:"sd"`
	Total    Num `json:"total"`
	Diff     Num `json:"diff"` // mean − control mean
	DiffLow  Num `json:"diff_ci_low"`
	DiffHigh Num `json:"diff_ci_high"`
	P        Num `json:"p_value"`      // Welch's t-test; null for the control
	Needed   Num `json:"needed_users"` // per variant for 80% power at the observed difference
	// Significant: P is below alpha (Bonferroni-corrected with several
	// variants); the verdict follows it with --revenue.
	Significant bool `json:"significant"`
}

func analyze(q Query, steps []query.FunnelStep, window int64, sc *scan) (*Result, error) {
	r := &Result{
		Property: q.Variant, Goal: q.Goal, Alpha: q.Alpha,
		WindowSeconds: float64(window) / 1000, Excluded: sc.excluded,
		Revenue: q.Revenue, SRMChi2: nan, SRMP: nan, MDE: q.MDE, MDEUsers: nan,
		Variants: []Variant{}, // [] in JSON when nobody was exposed
	}
	if len(sc.conflicts) > 0 {
		r.Conflicts = sc.conflicts
	}
	if q.Goal == "" {
		for _, st := range steps {
			r.Steps = append(r.Steps, stepLabel(st))
		}
	}
	arms, weights, err := order(q, sc)
	if err != nil {
		return nil, err
	}
	if len(arms) == 0 {
		r.Verdict = VerdictNoExposure
		if r.Excluded > 0 {
			r.say(i18n.M("no exposure: no user in the selected range carries %s with a single variant (%d seen with several were excluded)", q.Variant, r.Excluded))
		} else {
			r.say(i18n.M("no exposure: no user in the selected range carries %s", q.Variant))
		}
		r.Methods = methods(q, 0)
		return r, nil
	}
	r.Control = arms[0].name
	total, wsum := 0, 0.0
	for i, a := range arms {
		total += a.users
		wsum += weights[i]
	}
	observed := make([]int, len(arms))
	for i, a := range arms {
		observed[i] = a.users
	}
	if chi2, p := ChiSquareGOF(observed, weights); !math.IsNaN(p) {
		r.SRMChi2, r.SRMP, r.SRMMismatch = Num(chi2), Num(p), p < SRMThreshold
	}
	// Each variant is compared with the control: Bonferroni keeps the
	// family-wise error at alpha when there are several.
	m := max(1, len(arms)-1)
	level := q.Alpha / float64(m)
	c := arms[0]
	cm := moments(c.revenue)
	for i, a := range arms {
		v := Variant{
			Name: a.name, Control: i == 0, Users: a.users, Conversions: a.converted,
			InProgress: a.inProgress, Rate: nan, Low: nan, High: nan,
			LiftLow: nan, LiftHigh: nan, DiffLow: nan, DiffHigh: nan, P: nan, Needed: nan,
			Expected: weights[i] / wsum,
		}
		if total > 0 {
			v.Share = float64(a.users) / float64(total)
		}
		if a.users > 0 {
			v.Rate = Num(float64(a.converted) / float64(a.users))
			lo, hi := Wilson(a.converted, a.users, z95)
			v.Low, v.High = Num(lo), Num(hi)
		}
		v.Lift, v.Diff = nan, nan
		if i == 0 {
			v.Lift, v.Diff = 0, 0
		} else if a.users > 0 && c.users > 0 {
			v.Diff = v.Rate - Num(float64(c.converted)/float64(c.users))
			lo, hi := NewcombeDiff(a.converted, a.users, c.converted, c.users, z95)
			v.DiffLow, v.DiffHigh = Num(lo), Num(hi)
			if c.converted > 0 {
				v.Lift = v.Rate/Num(float64(c.converted)/float64(c.users)) - 1
			}
			lo, hi = RatioCI(a.converted, a.users, c.converted, c.users, z95)
			v.LiftLow, v.LiftHigh = Num(lo), Num(hi)
			cells := []int{a.converted, a.users - a.converted, c.converted, c.users - c.converted}
			if slicesMin(cells) < 5 {
				v.Test, v.P = "fisher", Num(Fisher(cells[0], cells[1], cells[2], cells[3]))
			} else {
				_, p := ZTest(a.converted, a.users, c.converted, c.users)
				v.Test, v.P = "z", Num(p)
			}
			v.Significant = float64(v.P) < level
			v.Needed = Num(math.Ceil(SampleSize(float64(v.Rate), float64(c.converted)/float64(c.users), level, 0.8)))
		}
		if len(steps) > 1 {
			v.Steps = funnel(steps, a)
		}
		if q.Revenue != "" {
			v.Rev = money(moments(a.revenue), cm, i == 0, level)
		}
		r.Variants = append(r.Variants, v)
	}
	r.verdict(q, level)
	r.Methods = methods(q, m)
	return r, nil
}

// order resolves the control and the intended split. Arms come out
// control first, then by name; a variant named in the weights but never
// seen is an arm with no users, so the sample-ratio check catches it.
func order(q Query, sc *scan) ([]*arm, []float64, error) {
	for _, w := range q.Weights {
		if w.Share <= 0 || math.IsNaN(w.Share) || math.IsInf(w.Share, 0) {
			return nil, nil, i18n.Errorf("weights must be positive numbers, got %v", w.Share)
		}
		if w.Name != "" && sc.arms[w.Name] == nil {
			sc.arms[w.Name] = &arm{name: w.Name, levels: make([]int, max(1, len(q.Steps)))}
		}
	}
	if len(sc.arms) == 0 {
		return nil, nil, nil
	}
	var names []string
	for n := range sc.arms {
		names = append(names, n)
	}
	sort.Strings(names)
	control := q.Control
	if control == "" {
		control = names[0]
		for _, n := range names {
			if strings.EqualFold(n, "control") {
				control = n
				break
			}
		}
	}
	if sc.arms[control] == nil {
		return nil, nil, i18n.Errorf("control variant %q has no exposed users; variants seen: %s", control, strings.Join(names, ", "))
	}
	arms := []*arm{sc.arms[control]}
	for _, n := range names {
		if n != control {
			arms = append(arms, sc.arms[n])
		}
	}
	weights, err := ResolveWeights(q.Weights, armNames(arms))
	if err != nil {
		return nil, nil, err
	}
	return arms, weights, nil
}

// ResolveWeights gives each variant (in display order: control first,
// then by name) its intended share from positive weights, positional or
// named; none is an even split. It says what is wrong when the weights
// do not fit the variants, so the workbench can check them as they are
// typed with the words spoor experiment uses.
func ResolveWeights(ws []Weight, variants []string) ([]float64, error) {
	weights := make([]float64, len(variants))
	switch {
	case len(ws) == 0:
		for i := range weights {
			weights[i] = 1
		}
	case ws[0].Name == "":
		if len(ws) != len(variants) {
			return nil, i18n.Errorf("%d weights for %d variants (%s, in this order); give one weight per variant or name them (A=50,B=50)",
				len(ws), len(variants), strings.Join(variants, ", "))
		}
		for i, w := range ws {
			weights[i] = w.Share
		}
	default:
		by := map[string]float64{}
		for _, w := range ws {
			if w.Name == "" {
				return nil, i18n.Errorf("weights must be all named (A=50,B=50) or all positional (50,50)")
			}
			by[w.Name] = w.Share
		}
		for i, v := range variants {
			if by[v] == 0 {
				return nil, i18n.Errorf("no weight for variant %q; variants seen: %s", v, strings.Join(variants, ", "))
			}
			weights[i] = by[v]
		}
	}
	return weights, nil
}

func armNames(arms []*arm) []string {
	out := make([]string, len(arms))
	for i, a := range arms {
		out[i] = a.name
	}
	return out
}

func slicesMin(xs []int) int {
	m := xs[0]
	for _, x := range xs[1:] {
		m = min(m, x)
	}
	return m
}

func stepLabel(st query.FunnelStep) string {
	if len(st.Where) == 0 {
		return st.Event
	}
	return st.Event + " where " + strings.Join(st.Where, " where ")
}

func funnel(steps []query.FunnelStep, a *arm) []Step {
	out := make([]Step, len(steps))
	reached := 0
	for k := len(steps) - 1; k >= 0; k-- {
		reached += a.levels[k] // users whose deepest step is k+1 or more
		out[k] = Step{Event: stepLabel(steps[k]), Users: reached}
	}
	prev := a.users
	for k := range out {
		out[k].Conversion = query.Ratio(out[k].Users, a.users)
		out[k].StepConv = query.Ratio(out[k].Users, prev)
		prev = out[k].Users
	}
	return out
}

type stats struct {
	n              int
	mean, variance float64
	total          float64
}

// moments uses Welford's update, stable for large sums of revenue, over
// the values in ascending order: the sums of floating-point numbers depend
// on their order, and users come in a different order from each backend
// (import order locally, shard by shard on ClickHouse). It sorts xs in
// place (a copy through an iterator cost a tenth of a second at 10M
// events).
func moments(xs []float64) stats {
	slices.Sort(xs)
	s := stats{n: len(xs)}
	m2 := 0.0
	for i, x := range xs {
		d := x - s.mean
		s.mean += d / float64(i+1)
		m2 += d * (x - s.mean)
		s.total += x
	}
	s.variance = math.NaN()
	if s.n > 1 {
		s.variance = m2 / float64(s.n-1)
	}
	if s.n == 0 {
		s.mean = math.NaN()
	}
	return s
}

func money(a, c stats, control bool, level float64) *Money {
	m := &Money{Mean: Num(a.mean), SD: Num(math.Sqrt(a.variance)), Total: Num(a.total), Diff: nan, DiffLow: nan, DiffHigh: nan, P: nan, Needed: nan}
	if control {
		m.Diff = 0
		return m
	}
	w := Welch(a.n, a.mean, a.variance, c.n, c.mean, c.variance, 0.975) // a 95% interval, like the rates
	m.Diff = Num(a.mean - c.mean)
	m.DiffLow, m.DiffHigh, m.P = Num(w.Lo), Num(w.Hi), Num(w.P)
	m.Significant = m.P.Valid() && float64(m.P) < level
	m.Needed = Num(math.Ceil(MeanSampleSize(a.variance, c.variance, a.mean-c.mean, level, 0.8)))
	return m
}

func methods(q Query, m int) Methods {
	out := Methods{
		RateCI:       "Wilson score interval, 95%",
		DiffCI:       "Newcombe hybrid score interval (1998, method 10), 95%",
		LiftCI:       "log risk ratio (Katz), 95%; null when a group has no conversions",
		Test:         "pooled two-proportion z-test, two-sided",
		SmallCounts:  "Fisher's exact test, two-sided, when any cell of the 2x2 table is below 5",
		Multiple:     "none (one comparison)",
		SampleSize:   "users per variant for 80% power at the observed lift (normal approximation, Fleiss)",
		SampleRatio:  "Pearson chi-square goodness of fit against the intended split; mismatch when p < 0.001",
		Significance: "p < " + strconv.FormatFloat(q.Alpha/float64(max(1, m)), 'g', 4, 64),
	}
	if m > 1 {
		out.Multiple = fmt.Sprintf("Bonferroni over %d comparisons with the control", m)
	}
	if q.Revenue != "" {
		out.RevenueTest = "Welch's unequal-variance t-test on the per-user sum, two-sided"
	}
	return out
}

// ConflictsText lists the mixes of variants users were excluded for, in
// name order, each as format applied to the mix and its users.
func (r *Result) ConflictsText(format func(mix string, users int) string) []string {
	mixes := make([]string, 0, len(r.Conflicts))
	for k := range r.Conflicts {
		mixes = append(mixes, k)
	}
	sort.Strings(mixes)
	out := make([]string, len(mixes))
	for i, k := range mixes {
		out[i] = format(k, r.Conflicts[k])
	}
	return out
}
