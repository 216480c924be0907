// Package attribution credits conversions to the touchpoints before them
// (README, Attribution and ROI): each conversion is worth exactly one, and
// a model splits it over the values of a touch property (utm_source,
// campaign, channel) seen on the person's events inside the lookback.
package attribution

import (
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// The models.
const (
	First     = "first"      // all to the earliest touch
	Last      = "last"       // all to the latest touch
	Linear    = "linear"     // an equal share to every touch event
	TimeDecay = "time_decay" // shares weighted 2^(-age/half-life)
	Position  = "position"   // 40% first, 40% last, 20% across the middle
)

// Models lists the models in the order the workbench draws them.
var Models = []string{First, Last, Linear, TimeDecay, Position}

// Direct is the row of conversions with no touch in their lookback.
const Direct = "(direct)"

const day = 86_400_000

// Defaults of the lookback and of time decay's half-life, in ms.
const (
	DefaultWindow   = 30 * day
	DefaultHalfLife = 7 * day
)

// unit is one conversion in credit units. Credits are integers: each
// conversion's shares are rounded to billionths by largest remainder so
// they add up to exactly unit, and the rows then add up to the number of
// conversions exactly, whatever the order of the sums.
const unit = 1_000_000_000

// revenueScale: revenue is credited in integer millionths (micro-units)
// the same way, so the rows' revenue adds up to the total exactly.
const revenueScale = 1e6

// Query is one attribution. Common's range selects the conversions (their
// touches may lie before it, inside the lookback); --where filters the
// conversion events, not the touches; --segment keeps persons; --by does
// not apply (the touch property is the breakdown).
type Query struct {
	query.Common
	Conversion string `json:"conversion" toml:"conversion"`
	Touch      string `json:"touch" toml:"touch"`
	Model      string `json:"model,omitempty" toml:"model,omitempty"`         // default last
	Window     string `json:"window,omitempty" toml:"window,omitempty"`       // lookback, default 30d
	HalfLife   string `json:"half_life,omitempty" toml:"half_life,omitempty"` // time_decay's, default 7d
	Revenue    string `json:"revenue,omitempty" toml:"revenue,omitempty"`
	// Spend, when not nil, adds cost, cost per conversion, ROAS and ROI:
	// the rows whose day lies in the range count.
	Spend []SpendRow `json:"-" toml:"-"`
}

// SpecAnalysis lets attributions be saved as spec files and run with spoor
// run: {"analysis":"attribution","conversion":"purchase","touch":"utm_source"}.
func SpecAnalysis() query.Analysis { return query.SpecOf(Evaluate) }

// Backend is an engine that credits conversions where its events are
// (package chquery's), with the same results as Compute.
type Backend interface {
	Attribution(ctx context.Context, q Query) (*Result, error)
}

// Evaluate runs the attribution on e: in memory, or on a Backend.
func Evaluate(ctx context.Context, e query.Engine, q Query) (*Result, error) {
	return query.On(ctx, e, q, Compute, Backend.Attribution, "attribution")
}

// duration reads a positive duration, or def when v is empty.
func duration(name, v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	ms, err := query.ParseDuration(v)
	if err != nil || ms <= 0 {
		return 0, i18n.Errorf("%s %q: use a positive duration such as 12h or 7d", name, v)
	}
	return ms, nil
}

// Result is the credit of every touch value under one model.
type Result struct {
	Model           string    `json:"model"`
	Conversion      string    `json:"conversion"`
	Touch           string    `json:"touch_property"`
	From            string    `json:"from"` // days of the conversions' range, inclusive
	To              string    `json:"to"`
	WindowSeconds   float64   `json:"window_seconds"`
	HalfLifeSeconds *float64  `json:"half_life_seconds,omitempty"` // time_decay only
	Conversions     int       `json:"conversions"`                 // every conversion credited: the rows add up to it
	Revenue         query.Num `json:"revenue"`                     // total; null without --revenue
	Rows            []Row     `json:"rows"`
	// SpendOutside counts spend rows whose day lies outside the range.
	SpendOutside int `json:"spend_rows_outside_range,omitempty"`
}

// Row is one touch value's credit.
type Row struct {
	Touch       string    `json:"touch"`
	Conversions float64   `json:"conversions"` // credited, fractional where the model splits
	Revenue     query.Num `json:"revenue"`     // credited; null without --revenue
	Users       int       `json:"users"`       // distinct users who gave this value any credit
	*ROI                  // with --spend

	units, micro int64
}

// ROI is a row's spend and what it returned. Undefined ratios (nothing to
// divide by) are null.
type ROI struct {
	Cost              float64   `json:"cost"`
	CostPerConversion query.Num `json:"cost_per_conversion"` // cost / credited conversions
	ROAS              query.Num `json:"roas"`                // credited revenue / cost
	Return            query.Num `json:"roi"`                 // (credited revenue − cost) / cost
}

// CheckModel refuses an unknown model name.
func CheckModel(m string) error {
	if slices.Contains(Models, m) {
		return nil
	}
	return i18n.Errorf("unknown model %q (use %s)", m, strings.Join(Models, ", "))
}

// Plan is a query whose flags are checked: its model, lookback and
// half-life resolved. Each engine checks the names against its data.
type Plan struct {
	Query
	window, halfLife int64
}

// Check resolves q's defaults and refuses what no data could answer.
func Check(q Query) (*Plan, error) {
	if q.Model == "" {
		q.Model = Last
	}
	if err := CheckModel(q.Model); err != nil {
		return nil, err
	}
	if q.By != "" {
		return nil, i18n.Errorf("attribution takes no --by: the touch property is the breakdown")
	}
	window, err := duration("--window", q.Window, DefaultWindow)
	if err != nil {
		return nil, err
	}
	halfLife, err := duration("--half-life", q.HalfLife, DefaultHalfLife)
	if err != nil {
		return nil, err
	}
	if q.Conversion == "" || q.Touch == "" {
		return nil, i18n.Errorf("name the conversion event and the touch property")
	}
	return &Plan{Query: q, window: window, halfLife: halfLife}, nil
}

// Window is the lookback in ms.
func (p *Plan) Window() int64 { return p.window }

// Compute credits every conversion in range.
func Compute(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
	p, err := Check(q)
	if err != nil {
		return nil, err
	}
	if err := d.CheckEvent(q.Conversion); err != nil {
		return nil, i18n.Errorf("--conversion: %w", err)
	}
	for _, k := range []string{q.Touch, q.Revenue} {
		if k == "" {
			continue
		}
		if err := d.CheckProp(ctx, k); err != nil {
			return nil, err
		}
	}
	s, err := d.Resolve(ctx, q.Common)
	if err != nil {
		return nil, err
	}
	touch, err := d.Prop(ctx, q.Touch)
	if err != nil {
		return nil, err
	}
	var rev *query.Prop
	if q.Revenue != "" {
		if rev, err = d.Prop(ctx, q.Revenue); err != nil {
			return nil, err
		}
	}
	conv, _ := d.EventID(q.Conversion)
	cr := p.crediter(len(touch.Values) + 1)
	ev := localEvents{d: d, s: s, conv: conv, codes: touch.Codes, rev: rev}
	for u := range d.Users {
		if u%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !s.Person(u) {
			continue
		}
		if err := creditPerson(ctx, cr, ev, int(d.Start[u]), int(d.Start[u+1]), u); err != nil {
			return nil, err
		}
	}
	return cr.result(s.From, s.To, s.Loc, touch.Values)
}

// events is one timeline as crediting reads it: events i in timeline
// order (time, then storage order).
type events interface {
	time(i int) int64
	conversion(i int) bool // a conversion the range and --where keep
	touch(i int) int32     // the touch value's code; 0: none (unset, or a conversion event)
	micro(i int) int64     // conversion i's revenue in micro-units
}

// localEvents are a dataset's.
type localEvents struct {
	d     *query.Dataset
	s     *query.Scope
	conv  int32
	codes []int32     // the touch property's
	rev   *query.Prop // nil without --revenue
}

func (l localEvents) time(i int) int64 { return l.d.Time[i] }

func (l localEvents) conversion(i int) bool { return l.d.Event[i] == l.conv && l.s.Keep(i) }

func (l localEvents) touch(i int) int32 {
	if l.d.Event[i] == l.conv {
		return 0
	}
	return l.codes[i]
}

func (l localEvents) micro(i int) int64 {
	if l.rev == nil || l.rev.Codes[i] == 0 {
		return 0
	}
	return revenueMicro(l.rev.Num[l.rev.Codes[i]-1])
}

// crediter accumulates the credit of persons' conversions.
type crediter struct {
	*Plan
	c *credit
	w weigher
	// A conversion reads every event of its lookback: a person with many
	// conversions close together costs conversions × lookback events, so
	// cancellation is checked by work done, not only between persons.
	work int
}

func (p *Plan) crediter(codes int) *crediter {
	return &crediter{Plan: p, c: newCredit(codes), w: weigher{slot: make([]int32, codes)}}
}

// creditPerson credits the conversions of person u, events lo..hi-1.
func creditPerson[E events](ctx context.Context, cr *crediter, ev E, lo, hi, u int) error {
	a, b := lo, lo // the lookback's events: a..b-1
	for i := lo; i < hi; i++ {
		if !ev.conversion(i) {
			continue
		}
		t := ev.time(i)
		for a < hi && ev.time(a) < t-cr.window {
			a++
		}
		for b < hi && ev.time(b) <= t {
			b++
		}
		cr.w.reset()
		cr.work += b - a
		if cr.work > 1<<20 {
			cr.work = 0
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for j := a; j < b; j++ {
			if code := ev.touch(j); code != 0 {
				cr.w.add(code, t-ev.time(j))
			}
		}
		cr.c.add(u, cr.w.credit(cr.Model, cr.halfLife), ev.micro(i))
	}
	return nil
}

// result is the credit per touch value (values[code-1]) of the
// conversions in [from, to) of loc.
func (cr *crediter) result(from, to int64, loc *time.Location, values []string) (*Result, error) {
	c, q := cr.c, cr.Query
	if c.overflow {
		return nil, i18n.Errorf("the conversions' %s adds up past 9.2 trillion: too large to credit exactly (in millionths); filter the conversions or check the property", q.Revenue)
	}
	rev := q.Revenue != ""
	r := &Result{
		Model: q.Model, Conversion: q.Conversion, Touch: q.Touch,
		WindowSeconds: float64(cr.window) / 1000, Conversions: c.conversions, Revenue: query.Undefined,
		Rows: []Row{},
	}
	r.From, r.To = rangeDays(from, to, loc)
	if q.Model == TimeDecay {
		h := float64(cr.halfLife) / 1000
		r.HalfLifeSeconds = &h
	}
	if rev {
		r.Revenue = query.Num(float64(c.micro) / revenueScale)
	}
	var sumUnits, sumMicro int64
	for code := range c.units {
		if c.units[code] == 0 && c.users[code] == 0 {
			continue
		}
		row := Row{Touch: Direct, units: c.units[code], micro: c.revMicro[code], Users: c.users[code], Revenue: query.Undefined}
		if code > 0 {
			row.Touch = values[code-1]
		}
		row.Conversions = float64(row.units) / unit
		if rev {
			row.Revenue = query.Num(float64(row.micro) / revenueScale)
		}
		sumUnits += row.units
		sumMicro += row.micro
		r.Rows = append(r.Rows, row)
	}
	// The invariant the integer credits guarantee; a failure is a bug.
	if sumUnits != int64(c.conversions)*unit || sumMicro != c.micro {
		return nil, i18n.Errorf("internal error: credits add up to %d/%d conversions, %d/%d revenue micro-units",
			sumUnits, int64(c.conversions)*unit, sumMicro, c.micro)
	}
	if q.Spend != nil {
		r.addSpend(q.Spend, rev)
	}
	slices.SortStableFunc(r.Rows, func(x, y Row) int {
		if x.units != y.units {
			if x.units > y.units {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Touch, y.Touch)
	})
	return r, nil
}

// rangeDays is the range [from, to) as inclusive days in loc.
func rangeDays(from, to int64, loc *time.Location) (string, string) {
	if to <= from {
		return "", ""
	}
	return time.UnixMilli(from).In(loc).Format("2006-01-02"), time.UnixMilli(to - 1).In(loc).Format("2006-01-02")
}

// revenueMicro is a revenue's micro-units; 0 when it is not a finite
// number.
func revenueMicro(num float64) int64 {
	v := num * revenueScale
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1<<62 {
		return 0
	}
	return int64(math.Round(v))
}

// weigher holds one conversion's touches in timeline order (time, then
// storage order): their values and ages in ms.
type weigher struct {
	codes []int32
	ages  []int64
	// per-value sums, in the order values were first seen; slot[code]
	// is the value's place in them, +1 (0: not seen in this conversion)
	order []int32
	w     []float64
	slot  []int32
	out   []share
}

// share is a value's part of one conversion, in credit units.
type share struct {
	code  int32
	units int64
}

func (w *weigher) reset() { w.codes, w.ages = w.codes[:0], w.ages[:0] }

func (w *weigher) add(code int32, age int64) {
	w.codes = append(w.codes, code)
	w.ages = append(w.ages, age)
}

// credit splits one conversion over the touch values by model; no touch
// gives it all to (direct), code 0.
func (w *weigher) credit(model string, halfLife int64) []share {
	n := len(w.codes)
	w.out = w.out[:0]
	switch {
	case n == 0:
		return append(w.out, share{0, unit})
	case model == First:
		return append(w.out, share{w.codes[0], unit})
	case model == Last:
		return append(w.out, share{w.codes[n-1], unit})
	}
	w.order, w.w = w.order[:0], w.w[:0]
	youngest := slices.Min(w.ages)
	for k, code := range w.codes {
		var x float64
		switch model {
		case Linear:
			x = 1
		case TimeDecay:
			// Relative to the youngest touch, so the largest weight is 1
			// and the sum never underflows; normalising cancels the factor.
			x = math.Exp2(-float64(w.ages[k]-youngest) / float64(halfLife))
		case Position:
			switch {
			case n == 1:
				x = 1
			case n == 2:
				x = 0.5
			case k == 0 || k == n-1:
				x = 0.4
			default:
				x = 0.2 / float64(n-2)
			}
		}
		if x == 0 {
			continue // decayed below the smallest float: no share at all
		}
		if w.slot[code] == 0 {
			w.order = append(w.order, code)
			w.w = append(w.w, 0)
			w.slot[code] = int32(len(w.order))
		}
		w.w[w.slot[code]-1] += x
	}
	units := splitFloat(unit, w.w)
	for k, code := range w.order {
		w.out = append(w.out, share{code, units[k]})
		w.slot[code] = 0
	}
	return w.out
}

// splitFloat divides total into integer parts proportional to weights
// (all ≥ 0, some > 0) that add up to total exactly: each part is rounded
// down, and the rest goes one by one to the largest remainders (the
// earlier part on a tie).
func splitFloat(total int64, weights []float64) []int64 {
	sum := 0.0
	for _, x := range weights {
		sum += x
	}
	parts := make([]int64, len(weights))
	rem := make([]float64, len(weights))
	left := total
	for k, x := range weights {
		exact := x / sum * float64(total)
		parts[k] = min(int64(exact), total)
		rem[k] = exact - float64(parts[k])
		left -= parts[k]
	}
	distribute(parts, rem, left)
	return parts
}

// distribute adds left (which may be negative after float rounding) one
// unit at a time: to the largest remainders when positive, taken from the
// smallest non-zero parts' remainders when negative.
func distribute(parts []int64, rem []float64, left int64) {
	idx := make([]int, len(parts))
	for k := range idx {
		idx[k] = k
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; left > 0; k = (k + 1) % len(idx) {
		parts[idx[k]]++
		left--
	}
	for k := len(idx) - 1; left < 0; k = (k - 1 + len(idx)) % len(idx) {
		if parts[idx[k]] > 0 {
			parts[idx[k]]--
			left++
		}
	}
}

// splitInt divides total (micro-units, any sign) in proportion to the
// shares' units, which add up to unit, exactly: 128-bit products, rounded
// toward zero, the rest to the largest remainders.
func splitInt(total int64, shares []share) []int64 {
	neg := total < 0
	abs := uint64(total)
	if neg {
		abs = uint64(-total)
	}
	parts := make([]int64, len(shares))
	rem := make([]float64, len(shares))
	left := int64(abs)
	for k, s := range shares {
		hi, lo := bits.Mul64(abs, uint64(s.units))
		q, r := bits.Div64(hi, lo, unit)
		parts[k], rem[k] = int64(q), float64(r)
		left -= int64(q)
	}
	distribute(parts, rem, left)
	if neg {
		for k := range parts {
			parts[k] = -parts[k]
		}
	}
	return parts
}

// credit accumulates the shares per value code (0: direct).
type credit struct {
	units, revMicro []int64
	users           []int
	lastUser        []int // person who last credited the code, +1
	conversions     int
	micro           int64
	absMicro        int64 // sum of |revenue|
	overflow        bool  // absMicro would pass math.MaxInt64
}

func newCredit(n int) *credit {
	return &credit{units: make([]int64, n), revMicro: make([]int64, n), users: make([]int, n), lastUser: make([]int, n)}
}

func (c *credit) add(p int, shares []share, micro int64) {
	c.conversions++
	c.micro += micro
	// Every row's revenue is at most the sum of the absolute revenues:
	// while that fits in an int64, no sum overflows.
	if abs := max(micro, -micro); c.absMicro > math.MaxInt64-abs {
		c.overflow = true
	} else {
		c.absMicro += abs
	}
	var rev []int64
	if micro != 0 {
		rev = splitInt(micro, shares)
	}
	for k, s := range shares {
		c.units[s.code] += s.units
		if rev != nil {
			c.revMicro[s.code] += rev[k]
		}
		if c.lastUser[s.code] != p+1 {
			c.lastUser[s.code] = p + 1
			c.users[s.code]++
		}
	}
}
