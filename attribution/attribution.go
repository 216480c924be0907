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
func SpecAnalysis() query.Analysis {
	return query.Analysis{
		NewQuery: func() any { return &Query{} },
		Run:      func(ctx context.Context, d *query.Dataset, q any) (any, error) { return Compute(ctx, d, *q.(*Query)) },
	}
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

// Compute credits every conversion in range.
func Compute(ctx context.Context, d *query.Dataset, q Query) (*Result, error) {
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
	c := newCredit(len(touch.Values) + 1)
	w := weigher{slot: make([]int32, len(touch.Values)+1)}
	// A conversion reads every event of its lookback: a person with many
	// conversions close together costs conversions × lookback events, so
	// cancellation is checked by work done, not only between persons.
	work := 0
	for p := range d.Users {
		if p%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !s.Person(p) {
			continue
		}
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		a, b := lo, lo // the lookback's events: a..b-1
		for i := lo; i < hi; i++ {
			if d.Event[i] != conv || !s.Keep(i) {
				continue
			}
			t := d.Time[i]
			for a < hi && d.Time[a] < t-window {
				a++
			}
			for b < hi && d.Time[b] <= t {
				b++
			}
			w.reset()
			work += b - a
			if work > 1<<20 {
				work = 0
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			for j := a; j < b; j++ {
				if d.Event[j] != conv && touch.Codes[j] != 0 {
					w.add(touch.Codes[j], t-d.Time[j])
				}
			}
			micro := int64(0)
			if rev != nil {
				micro = revenueMicro(rev, i)
			}
			c.add(p, w.credit(q.Model, halfLife), micro)
		}
	}
	if c.overflow {
		return nil, i18n.Errorf("the conversions' %s adds up past 9.2 trillion: too large to credit exactly (in millionths); filter the conversions or check the property", q.Revenue)
	}
	r := &Result{
		Model: q.Model, Conversion: q.Conversion, Touch: q.Touch,
		WindowSeconds: float64(window) / 1000, Conversions: c.conversions, Revenue: query.Undefined,
		Rows: []Row{},
	}
	r.From, r.To = rangeDays(s)
	if q.Model == TimeDecay {
		h := float64(halfLife) / 1000
		r.HalfLifeSeconds = &h
	}
	if rev != nil {
		r.Revenue = query.Num(float64(c.micro) / revenueScale)
	}
	var sumUnits, sumMicro int64
	for code := range c.units {
		if c.units[code] == 0 && c.users[code] == 0 {
			continue
		}
		row := Row{Touch: Direct, units: c.units[code], micro: c.revMicro[code], Users: c.users[code], Revenue: query.Undefined}
		if code > 0 {
			row.Touch = touch.Values[code-1]
		}
		row.Conversions = float64(row.units) / unit
		if rev != nil {
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
		r.addSpend(q.Spend, rev != nil)
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

// rangeDays is the scope's range as inclusive days in its timezone.
func rangeDays(s *query.Scope) (from, to string) {
	if s.To <= s.From {
		return "", ""
	}
	f := time.UnixMilli(s.From).In(s.Loc).Format("2006-01-02")
	t := time.UnixMilli(s.To - 1).In(s.Loc).Format("2006-01-02")
	return f, t
}

// revenueMicro is event i's revenue in micro-units; 0 when it has none or
// it is not a finite number.
func revenueMicro(rev *query.Prop, i int) int64 {
	code := rev.Codes[i]
	if code == 0 {
		return 0
	}
	v := rev.Num[code-1] * revenueScale
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
