package why

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// Period is a range of whole days, inclusive, YYYY-MM-DD.
type Period struct{ From, To string }

// SameWeekdays is the default before period of an anomaly on day: the
// same weekday of each of the weeks before, up to weeks of them, none
// before first (all YYYY-MM-DD).
func SameWeekdays(day, first string, weeks int) []Period {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return nil
	}
	var out []Period
	for k := 1; k <= weeks; k++ {
		b := t.AddDate(0, 0, -7*k).Format("2006-01-02")
		if b < first {
			break
		}
		out = append(out, Period{From: b, To: b})
	}
	return out
}

func (p Period) String() string {
	if p.From == p.To {
		return p.From
	}
	return p.From + ".." + p.To
}

// Query is a metric and the periods to compare. The metric is one of:
// events (Measure total), users (Measure users: each user counted once
// per period, under the properties of their first matching event), the
// sum of property Sum over the events, or the conversion of the funnel
// Steps (entrants are grouped by their step-1 event).
type Query struct {
	query.Common                    // Where, Segment and TZ apply; the range and By do not
	Events       []string           // empty: any event (not for funnels)
	Measure      string             // total or users
	Sum          string             // with Measure total: sum this property instead of counting
	Steps        []query.FunnelStep // a funnel's conversion
	Window       string             // funnel window
	Before       []Period           // pooled; with several, their total length scales counts
	After        Period
	Keys         []string // candidate properties; "segment:NAME" is a saved segment (in or out)
}

// Limits on the search; they bound time and memory whatever the data.
const (
	MinUnits  = 10 // a value with fewer units in both periods together is folded
	PairProps = 6  // properties whose values are paired: the ones with the largest contributions
	PairTop   = 12 // values of each such property taken into pairs
	Alpha     = 0.01
)

// Result ranks every value's contribution to the change.
type Result struct {
	Metric       string        `json:"metric"`
	BeforePeriod string        `json:"before_period"`
	AfterPeriod  string        `json:"after_period"`
	Scale        float64       `json:"scale"` // before amounts were multiplied by this (after length / before length)
	Before       float64       `json:"before"`
	After        float64       `json:"after"`
	Change       float64       `json:"change"`
	Test         string        `json:"test"`
	Verdict      string        `json:"verdict"` // English, as all JSON; VerdictText shows it
	Explained    bool          `json:"explained"`
	Contributors []Contributor `json:"contributors"`
	Drill        *Drill        `json:"drill"`

	Rows int `json:"-"` // contributors the text formats list; 0: DefaultRows

	verdictMsg i18n.Msg // Verdict in any language (VerdictText)
	metricMsg  i18n.Msg // Metric in any language, for the table's title
}

// Contributor is one property value or pair of values.
type Contributor struct {
	Property     string   `json:"property"`
	Value        string   `json:"value"`
	Before       float64  `json:"before"`
	After        float64  `json:"after"`
	Contribution float64  `json:"contribution"`
	Share        *float64 `json:"share"` // contribution / change; null when the change is 0
	Mix          *float64 `json:"mix,omitempty"`
	Rate         *float64 `json:"rate,omitempty"`
	P            *float64 `json:"p"` // Bonferroni-adjusted over every tested value; null when not tested
	Significant  bool     `json:"significant"`
	Folded       int      `json:"folded,omitempty"` // values folded into this row (too few units to judge)
	Units        [2]int   `json:"units"`            // units before and after (events, users or entrants), unscaled

	keys   []int   // indexes of Query.Keys; nil for a folded row
	values []Value // the value of each key
}

// Drill lists the users of the top contributor.
type Drill struct {
	Property string      `json:"property"`
	Value    string      `json:"value"`
	Users    int         `json:"users"`
	Top      []DrillUser `json:"top"` // the 20 with the largest change, largest first
}

// DrillUser is one user's amount in each period (unscaled).
type DrillUser struct {
	User   string  `json:"user"`
	Before float64 `json:"before"`
	After  float64 `json:"after"`
}

// units is the metric's atoms: event index (for its properties), period
// (0 before, 1 after), amount and entrant weight.
type units struct {
	idx    []int32
	period []uint8
	num    []float64
	den    []float64
	person []int32
}

func (u *units) add(i int, per uint8, num, den float64, person int) {
	u.idx = append(u.idx, int32(i))
	u.period = append(u.period, per)
	u.num = append(u.num, num)
	u.den = append(u.den, den)
	u.person = append(u.person, int32(person))
}

// check refuses a query without periods.
func (q Query) check() error {
	if len(q.Before) == 0 || q.After.From == "" {
		return fmt.Errorf("no periods to compare")
	}
	return nil
}

// analyze computes the contributions from c's counts.
func analyze(ctx context.Context, q Query, c Counter) (*Result, error) {
	kind := q.Kind()
	counts, err := c.Count(ctx, q.Keys)
	if err != nil {
		return nil, err
	}
	days := counts.Days
	metric := metricName(q)
	res := &Result{Metric: metric.In(i18n.English), metricMsg: metric, AfterPeriod: q.After.String(), Contributors: []Contributor{}}
	var bp []string
	for _, p := range q.Before {
		bp = append(bp, p.String())
	}
	res.BeforePeriod = strings.Join(bp, ", ")
	scale := 1.0
	if kind != Rate {
		scale = float64(days[1]) / float64(days[0])
	}
	res.Scale = scale
	tot := counts.Total
	if kind == Rate {
		res.Before, res.After = ratio(tot[0].Num, tot[0].Den), ratio(tot[1].Num, tot[1].Den)
		res.Test = "two-proportion z-test of the value's conversion before against after"
	} else {
		res.Before, res.After = tot[0].Num*scale, tot[1].Num
		res.Test = "chi-square (1 df) on the 2×2 table value/rest × before/after: did the value's share change"
		if kind == Sum {
			res.Test = "none (sums are not counts)"
		}
	}
	res.Change = res.After - res.Before
	if tot[0].N+tot[1].N == 0 {
		res.say(i18n.M("no units in either period: nothing to explain"))
		return res, nil
	}

	// Single properties.
	var singles [][]Contributor
	for n, key := range q.Keys {
		if distinct(counts.Values[n]) <= 1 {
			// One value holds every unit (a key these events never have):
			// it splits nothing, so it explains nothing.
			singles = append(singles, nil)
			continue
		}
		singles = append(singles, groups(kind, []string{key}, []int{n}, counts.Values[n], tot, scale))
	}
	var all []Contributor
	for _, s := range singles {
		all = append(all, s...)
	}

	// Pairs, among the properties with the largest single contributions
	// and each one's largest values: at most PairProps·(PairProps−1)/2
	// pairs, each a (PairTop+1)² table.
	order := make([]int, len(singles))
	best := make([]float64, len(singles))
	for k, s := range singles {
		order[k] = k
		for _, c := range s {
			if c.Folded == 0 && !c.values[0].None {
				best[k] = max(best[k], math.Abs(c.Contribution))
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return best[order[a]] > best[order[b]] })
	order = order[:min(len(order), PairProps)]
	values := make([][]Value, len(singles))
	for _, k := range order {
		for _, c := range singles[k] { // ranked by |contribution|
			// A missing value pairs with nothing: "(none)" of a key the
			// event type never has would only repeat the other value.
			if c.Folded == 0 && !c.values[0].None && len(values[k]) < PairTop {
				values[k] = append(values[k], c.values[0])
			}
		}
	}
	var pairs []Pair
	for x := 0; x < len(order); x++ {
		for y := x + 1; y < len(order); y++ {
			a, b := min(order[x], order[y]), max(order[x], order[y]) // named in the order of Keys
			if len(values[a]) > 0 && len(values[b]) > 0 {
				pairs = append(pairs, Pair{A: a, B: b, VA: values[a], VB: values[b]})
			}
		}
	}
	if len(pairs) > 0 {
		cells, err := c.Pairs(ctx, pairs)
		if err != nil {
			return nil, err
		}
		for n, pr := range pairs {
			for _, c := range groups(kind, []string{q.Keys[pr.A], q.Keys[pr.B]}, []int{pr.A, pr.B}, cells[n], tot, scale) {
				if c.Folded == 0 { // small pairs are left out, not folded: their values are listed singly
					all = append(all, c)
				}
			}
		}
	}

	// Significance, adjusted for the number of values tested.
	tested := 0
	for _, c := range all {
		if c.P != nil {
			tested++
		}
	}
	for k := range all {
		if all[k].P != nil {
			adj := min(1, *all[k].P*float64(tested))
			all[k].P = &adj
			all[k].Significant = adj < Alpha
		}
		if res.Change != 0 {
			sh := all[k].Contribution / res.Change
			all[k].Share = &sh
		}
	}
	// Ranked by |contribution|; folded rows, not judged, come last.
	sort.SliceStable(all, func(i, j int) bool {
		if (all[i].Folded > 0) != (all[j].Folded > 0) {
			return all[j].Folded > 0
		}
		ai, aj := math.Abs(all[i].Contribution), math.Abs(all[j].Contribution)
		if ai != aj {
			return ai > aj
		}
		return all[i].Property+"="+all[i].Value < all[j].Property+"="+all[j].Value
	})
	res.Contributors = all
	res.verdict(kind)
	if top := res.cause(); top != nil {
		n, users, err := c.Users(ctx, top.keys, top.values)
		if err != nil {
			return nil, err
		}
		res.Drill = &Drill{Property: top.Property, Value: top.Value, Users: n, Top: users}
	}
	return res, nil
}

// groups turns one property's (or pair's) groups into contributors, the
// values with fewer than MinUnits units folded into one row, ranked by
// |contribution|.
func groups(kind Kind, props []string, keys []int, gs []Group, tot [2]Cell, scale float64) []Contributor {
	var out []Contributor
	var small [2]Cell
	folded := 0
	fold := func(g Group, values int) {
		for p := range small {
			small[p].Num += g.Cells[p].Num
			small[p].Den += g.Cells[p].Den
			small[p].N += g.Cells[p].N
		}
		folded += values
	}
	// Groups the engine folded first, then the rest in value order: the
	// folded sums are floats, and an engine's order would change their
	// last digits from run to run.
	gs = slices.DeleteFunc(slices.Clone(gs), func(g Group) bool {
		if g.Folded > 0 {
			fold(g, g.Folded)
		}
		return g.Folded > 0
	})
	slices.SortFunc(gs, func(a, b Group) int {
		for k := range a.Values {
			if c := compareValues(a.Values[k], b.Values[k]); c != 0 {
				return c
			}
		}
		return 0
	})
	for _, g := range gs {
		if g.Cells[0].N+g.Cells[1].N < MinUnits {
			fold(g, 1)
			continue
		}
		var names []string
		for _, v := range g.Values {
			names = append(names, v.label())
		}
		out = append(out, contributor(kind, props, keys, strings.Join(names, ","), g.Values, g.Cells[0], g.Cells[1], tot, scale))
	}
	sort.Slice(out, func(i, j int) bool {
		ai, aj := math.Abs(out[i].Contribution), math.Abs(out[j].Contribution)
		if ai != aj {
			return ai > aj
		}
		return out[i].Value < out[j].Value
	})
	if folded > 0 {
		c := contributor(kind, props, keys, fmt.Sprintf("(%d small values)", folded), nil, small[0], small[1], tot, scale)
		c.P, c.Folded = nil, folded
		out = append(out, c)
	}
	return out
}

// compareValues orders a missing value first, then by text.
func compareValues(a, b Value) int {
	if a.None != b.None {
		if a.None {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Text, b.Text)
}

func contributor(kind Kind, props []string, keys []int, value string, values []Value, g0, g1 Cell, tot [2]Cell, scale float64) Contributor {
	ct := contribute(kind, g0, g1, tot[0], tot[1], scale)
	c := Contributor{Property: strings.Join(props, ","), Value: value, Before: ct.Before, After: ct.After,
		Contribution: ct.Contribution, Units: [2]int{int(g0.N), int(g1.N)}, keys: keys, values: values}
	if kind == Rate {
		c.Mix, c.Rate = &ct.Mix, &ct.Rate
	}
	if !math.IsNaN(ct.P) {
		c.P = &ct.P
	}
	return c
}

// cause is the contributor the verdict names: the largest significant
// one, else the largest (nil when every row is folded).
func (r *Result) cause() *Contributor {
	var first *Contributor
	for k := range r.Contributors {
		c := &r.Contributors[k]
		if c.Folded > 0 {
			continue
		}
		if c.Significant {
			return c
		}
		if first == nil {
			first = c
		}
	}
	return first
}

// verdict says whether one value explains the change: the largest
// significant contributor (its share changed differently from the rest)
// carries at least half of it. Values that merely shrank or grew with
// everything else (a "(none)" holding most events) explain nothing. When a
// pair holding that value accounts for most of the value's contribution,
// the pair is the narrower cause and is named (and moved first).
func (r *Result) verdict(kind Kind) {
	top := r.cause()
	if top == nil || r.Change == 0 {
		r.say(i18n.M("no change to explain"))
		return
	}
	if len(top.values) == 1 && top.Significant {
		for k := range r.Contributors {
			c := &r.Contributors[k]
			if len(c.values) == 2 && c.Contribution*top.Contribution > 0 && math.Abs(c.Contribution) >= 0.8*math.Abs(top.Contribution) &&
				c.Significant && containsValue(c, top) {
				top = c
				break
			}
		}
	}
	// The named cause goes first.
	for k := range r.Contributors {
		if &r.Contributors[k] == top {
			pick := *top
			copy(r.Contributors[1:k+1], r.Contributors[:k])
			r.Contributors[0] = pick
			top = &r.Contributors[0]
			break
		}
	}
	share := top.Contribution / r.Change
	what := top.Property + " = " + top.Value
	if kind == Sum || top.P == nil {
		r.say(i18n.M("%s accounts for %s%% of the change (sums are not tested)", what, percentOf(share)))
		r.Explained = share >= 0.5
		return
	}
	if share >= 0.5 && top.Significant {
		r.Explained = true
		r.say(i18n.M("%s explains %s%% of the change (p %s)", what, percentOf(share), pText(*top.P)))
		return
	}
	if !top.Significant {
		r.say(i18n.M("no single value explains the change: the largest, %s, accounts for %s%% of it, no more than its size predicts (not significant)", what, percentOf(share)))
		return
	}
	r.say(i18n.M("no single value explains the change: the largest, %s, accounts for %s%% of it", what, percentOf(share)))
}

// percentOf is a share in whole percent, as the verdict writes it.
func percentOf(share float64) string { return strconv.FormatFloat(100*share, 'f', 0, 64) }

// say sets the verdict: Verdict in English for the JSON, and the sentence
// VerdictText shows in the interface language.
func (r *Result) say(m i18n.Msg) { r.verdictMsg, r.Verdict = m, m.In(i18n.English) }

// VerdictText is the verdict in the interface language (Verdict is the
// JSON's English).
func (r *Result) VerdictText() string { return r.verdictMsg.String() }

func containsValue(pair, single *Contributor) bool {
	for k, key := range pair.keys {
		if key == single.keys[0] && pair.values[k].same(single.values[0]) {
			return true
		}
	}
	return false
}

func pText(p float64) string {
	if p < 1e-4 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

// metricName says what is measured: English in JSON, the interface
// language in the table's title.
func metricName(q Query) i18n.Msg {
	switch {
	case len(q.Steps) > 0:
		var s []string
		for _, st := range q.Steps {
			s = append(s, st.Event)
		}
		return i18n.M("conversion of %s", strings.Join(s, " → "))
	case q.Sum != "":
		return i18n.M("sum of %s over %s", q.Sum, eventsName(q.Events))
	case q.Measure == query.MeasureUsers:
		return i18n.M("users doing %s", eventsName(q.Events))
	}
	return eventsName(q.Events)
}

func eventsName(ev []string) i18n.Msg {
	if len(ev) == 0 {
		return i18n.M("all events") // query.AnyEventLabel
	}
	return i18n.M("%s", strings.Join(ev, ", "))
}

// loadProps reads the columns of keys (saved segments aside) at the
// picked units, one column per processor at a time.
func loadProps(ctx context.Context, d *query.Dataset, pick *query.Picked, keys []string) ([]*query.Prop, []error) {
	props, errs := make([]*query.Prop, len(keys)), make([]error, len(keys))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				props[n], errs[n] = pick.Prop(ctx, keys[n])
			}
		}()
	}
	for n, key := range keys {
		if !strings.HasPrefix(key, "segment:") || d.Segments == nil {
			next <- n
		}
	}
	close(next)
	wg.Wait()
	return props, errs
}
