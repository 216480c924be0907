// Package sample generates realistic, deterministic event data for demos,
// tests and benchmarks: the same Config always yields the
// same events, in the same order.
package sample

import (
	"context"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// Scenario is one business the generator can imitate.
type Scenario struct {
	Name    string
	Summary string       // a key marked with i18n.N: show it with i18n.Text
	TZ      string       // the business's home timezone: diurnal and weekly rhythms follow it
	Keys    []string     // every property key it emits, sorted (the CSV columns)
	user    func(g *gen) // generates one user's whole timeline
	noSale  bool         // the shop without its 618 sale
	weekday [7]float64   // relative activity by weekday, Sunday first
	hours   [2][24]float64
}

// Scenarios lists the generators, the default first.
var Scenarios = []*Scenario{ecommerce, saas, education, incident}

// Names lists the scenario names.
func Names() []string {
	out := make([]string, len(Scenarios))
	for i, s := range Scenarios {
		out[i] = s.Name
	}
	return out
}

// Lookup finds a scenario by name.
func Lookup(name string) (*Scenario, error) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, i18n.Errorf("unknown scenario %q (use one of %s)", name, strings.Join(Names(), ", "))
}

// Default is the scenario opened when none is named (spoor demo, the
// workbench with no database): the education sample, whose events and
// values are Chinese, under a Chinese interface; the first scenario
// (ecommerce) otherwise.
func Default() string {
	if i18n.Current() == i18n.Chinese {
		return "education"
	}
	return Scenarios[0].Name
}

// Defaults for Config fields left zero.
const (
	DefaultUsers = 2000
	DefaultDays  = 60
)

// DefaultEnd is the end of the default date range: data runs up to
// 2026-06-30 inclusive, so output does not depend on today's date.
var DefaultEnd = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// Config says what to generate.
type Config struct {
	Scenario  string    // "" means ecommerce
	Users     int       // users to generate; 0 means DefaultUsers, or no limit when MaxEvents is set
	Days      int       // length of the date range; 0 means DefaultDays
	Seed      int64     // same seed, same data
	End       time.Time // exclusive end of the range; zero means DefaultEnd's date at midnight in TZ
	TZ        string    // IANA zone for daily and weekly rhythms; "" means the scenario's
	MaxEvents int64     // stop after exactly this many events (0: no limit), for benchmark files
}

// Resolved is a Config with its defaults applied.
type Resolved struct {
	Config
	Scenario    *Scenario
	Loc         *time.Location
	Start, Stop int64 // [Start, Stop) in epoch ms
}

// Resolve applies defaults and checks a Config.
func Resolve(cfg Config) (*Resolved, error) {
	if cfg.Scenario == "" {
		cfg.Scenario = Scenarios[0].Name
	}
	sc, err := Lookup(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	if cfg.Users < 0 || cfg.Days < 0 || cfg.MaxEvents < 0 {
		return nil, i18n.Errorf("users, days and events must not be negative")
	}
	if cfg.Users == 0 && cfg.MaxEvents == 0 {
		cfg.Users = DefaultUsers
	}
	if cfg.Days == 0 {
		cfg.Days = DefaultDays
	}
	if cfg.TZ == "" {
		cfg.TZ = sc.TZ
	}
	loc, err := time.LoadLocation(cfg.TZ)
	if err != nil {
		return nil, i18n.Errorf("unknown timezone %q (use an IANA name such as Asia/Shanghai or UTC)", cfg.TZ)
	}
	end := cfg.End
	if end.IsZero() {
		y, m, d := DefaultEnd.Date()
		end = time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	cfg.End = end
	start := end.In(loc).AddDate(0, 0, -cfg.Days)
	return &Resolved{Config: cfg, Scenario: sc, Loc: loc, Start: start.UnixMilli(), Stop: end.UnixMilli()}, nil
}

// Generate streams the events of cfg to emit, user after user, each user's
// events in chronological order. emit must not keep the event or its Props
// after it returns: they are reused.
func Generate(ctx context.Context, cfg Config, emit func(*store.Event) error) error {
	r, err := Resolve(cfg)
	if err != nil {
		return err
	}
	g := &gen{
		r:     rand.New(rand.NewSource(r.Seed)),
		sc:    r.Scenario,
		loc:   r.Loc,
		first: time.UnixMilli(r.Start).In(r.Loc),
		days:  r.Days,
		stop:  r.Stop,
		max:   r.MaxEvents,
		emit:  emit,
	}
	g.prepare()
	for u := 0; r.Users == 0 || u < r.Users; u++ {
		if u&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if g.max > 0 && g.n >= g.max {
			break
		}
		g.beginUser(u)
		g.sc.user(g)
		if g.err != nil {
			return g.err
		}
	}
	return nil
}

const (
	second = int64(1000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
)

// gen is the state of one generation run: the random stream, the current
// user, and that user's clock, which only moves forward.
type gen struct {
	r      *rand.Rand
	sc     *Scenario
	loc    *time.Location
	first  time.Time // local midnight of the first day
	days   int
	stop   int64
	max, n int64
	emit   func(*store.Event) error
	err    error

	weekdayAccept [7]float64
	hourCum       [2][24]float64

	t    int64        // the current user's clock
	base []store.Prop // the current user's properties, sent with every event
	ev   store.Event
	uid  []byte
}

func (g *gen) prepare() {
	top := 0.0
	for _, w := range g.sc.weekday {
		top = max(top, w)
	}
	for i, w := range g.sc.weekday {
		g.weekdayAccept[i] = w / top
	}
	for k := range g.sc.hours {
		sum := 0.0
		for h, w := range g.sc.hours[k] {
			sum += w
			g.hourCum[k][h] = sum
		}
		for h := range g.hourCum[k] {
			g.hourCum[k][h] /= sum
		}
	}
}

// beginUser starts user number u: a fresh id, no properties, and a first
// visit on a day drawn with the scenario's weekly rhythm.
func (g *gen) beginUser(u int) {
	g.uid = strconv.AppendInt(append(g.uid[:0], 'u'), int64(u+1), 10)
	g.ev.User = string(g.uid)
	g.base = g.base[:0]
	y, m, dd := g.first.Date()
	for {
		d := g.r.Intn(g.days)
		if g.place(time.Date(y, m, dd+d, 0, 0, 0, 0, g.loc).UnixMilli()) {
			return
		}
	}
}

// onDay moves a new user's first visit to the given local date, if the
// range holds it, and reports whether it did.
func (g *gen) onDay(y int, m time.Month, d int) bool {
	t := time.Date(y, m, d, 0, 0, 0, 0, g.loc).UnixMilli()
	if t < g.first.UnixMilli() || t >= g.stop {
		return false
	}
	for !g.place(t) {
	}
	return true
}

// set adds a user property sent with every later event.
func (g *gen) set(key string, value any) {
	for i := range g.base {
		if g.base[i].Key == key {
			g.base[i].Value = value
			return
		}
	}
	g.base = append(g.base, store.Prop{Key: key, Value: value})
}

// alive reports whether the user's clock is still inside the range and the
// event budget is not spent; generators stop a user's timeline when not.
func (g *gen) alive() bool { return g.err == nil && g.t < g.stop && (g.max == 0 || g.n < g.max) }

// event emits name at the current clock with the user's properties and
// props. It reports false, emitting nothing, once the user is not alive.
func (g *gen) event(name string, props ...store.Prop) bool {
	if !g.alive() {
		return false
	}
	g.ev.Name = name
	g.ev.Time = g.t
	g.ev.Props = append(append(g.ev.Props[:0], g.base...), props...)
	if err := g.emit(&g.ev); err != nil {
		g.err = err
		return false
	}
	g.n++
	return true
}

// wait moves the clock forward by a log-normal gap with the given median
// (ms); spread is the sigma of the underlying normal. Real gaps between
// clicks are heavy-tailed: mostly seconds, now and then many minutes.
func (g *gen) wait(median int64, spread float64) {
	f := float64(median) * math.Exp(g.r.NormFloat64()*spread)
	g.t += max(int64(f), second)
}

// later moves the clock to another visit, about meanDays later
// (exponentially distributed), at a plausible hour of a plausible weekday.
// Gaps landing on an unlikely day are redrawn rather than pushed to the next
// day, which would pile visits onto the day after a quiet one.
func (g *gen) later(meanDays float64) {
	for tries := 0; tries < 20; tries++ {
		if g.place(g.t + 30*minute + int64(g.r.ExpFloat64()*meanDays*float64(day))) {
			return
		}
	}
	g.t += day // a gap the rhythm refuses twenty times: give up on rhythm
}

// place tries to put the clock on the day of t, at or after t: the day is
// kept with the scenario's weekday weight, the hour drawn from its daily
// curve (weekday or weekend), with a random minute and second.
func (g *gen) place(t int64) bool {
	lt := time.UnixMilli(t).In(g.loc)
	y, m, d := lt.Date()
	wd := lt.Weekday()
	if g.r.Float64() >= g.weekdayAccept[wd] {
		return false
	}
	k := 0
	if wd == time.Saturday || wd == time.Sunday {
		k = 1
	}
	h := pickCum(g.hourCum[k][:], g.r.Float64())
	at := time.Date(y, m, d, h, g.r.Intn(60), g.r.Intn(60), 0, g.loc).UnixMilli() + g.r.Int63n(1000)
	if at < t {
		return false
	}
	g.t = at
	return true
}

// chance is a biased coin.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// pick draws from a weighted list.
func (g *gen) pick(c *choice) any {
	return c.values[pickCum(c.cum, g.r.Float64())]
}

// choice is a weighted list of values, boxed once so drawing one does not
// allocate.
type choice struct {
	values []any
	cum    []float64
}

func choices(pairs ...any) *choice {
	c := &choice{}
	sum := 0.0
	for i := 0; i < len(pairs); i += 2 {
		c.values = append(c.values, pairs[i])
		sum += pairs[i+1].(float64)
		c.cum = append(c.cum, sum)
	}
	for i := range c.cum {
		c.cum[i] /= sum
	}
	return c
}

func pickCum(cum []float64, x float64) int {
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}
