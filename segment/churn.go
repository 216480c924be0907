package segment

import (
	"context"
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/output"
	"github.com/spoorhq/spoor/query"
)

// DefaultMinScore is the score the CLI lists from: evidence x >= 4 on the
// scale of churnScore, e.g. a user three expected gaps overdue whose
// activity in the window is gone. On the e-commerce sample it keeps about
// a third of the users with a baseline, nine in ten of them real churners
// (docs/segments.md).
const DefaultMinScore = 0.8

// A user's expected gap blends the median of their own gaps between active
// days with priorGaps pseudo-gaps of priorGapDays (a weekly habit), so that
// two or three visits close together are not read as a firm daily habit.
const (
	priorGaps    = 2
	priorGapDays = 7
)

// ChurnOptions set the windows of churn risk, in calendar days.
type ChurnOptions struct {
	WindowDays   int     // the recent window (default 14)
	BaselineDays int     // the earlier window compared with it (default 4 × WindowDays)
	KeyEvent     string  // shown as "last key event"; default: the last event of any name
	MinScore     float64 // list users scoring at least this; 0 lists every eligible user
	Top          int     // then keep the N riskiest; 0 keeps all
}

// ChurnUser is one user at risk with the signals that put them there.
type ChurnUser struct {
	User              string   `json:"user"`
	Score             float64  `json:"score"`
	DaysSinceLastSeen int      `json:"days_since_last_seen"`
	RecentEvents      int      `json:"recent_events"`
	BaselineEvents    int      `json:"baseline_events"`
	ActivityRatio     float64  `json:"activity_ratio"`
	UsualGapDays      *float64 `json:"usual_gap_days"`
	ActiveDays        int      `json:"active_days"`
	ExpectedGapDays   float64  `json:"expected_gap_days"`
	GapsOverdue       float64  `json:"gaps_overdue"`
	LastKeyEvent      string   `json:"last_key_event"`
	LastKeyEventTime  string   `json:"last_key_event_time"`
	Signals           []string `json:"signals"` // in English, as all JSON; SignalsText shows them

	signals []i18n.Msg
}

// ChurnReport is the ranked list.
type ChurnReport struct {
	WindowDays       int         `json:"window_days"`
	BaselineDays     int         `json:"baseline_days"`
	MinScore         float64     `json:"min_score"`
	Eligible         int         `json:"eligible"`           // users with a baseline (see Churn)
	TooLittleHistory int         `json:"too_little_history"` // active in the baseline, on a single day before the window: not scored
	AtRisk           int         `json:"at_risk"`            // scoring at least MinScore, before Top
	Users            []ChurnUser `json:"users"`
}

// churnInput is what a user's score is computed from, and its terms.
type churnInput struct {
	window   int     // W, days of the recent window
	silent   int     // s, calendar days since the user's last active day
	usualGap float64 // the median of the user's gaps between active days
	gaps     int     // n, how many such gaps were seen
	ratio    float64 // recent events per day / baseline events per day

	expected float64 // g = (n × usual gap + 2 × 7) / (n + 2)
	overdue  float64 // max(0, s - g) / g
	fell     float64 // max(0, 1 - ratio)
	cover    float64 // min(1, W / g)
	evidence float64 // x = overdue + fell × cover
}

// churnScore is x / (1 + x), where x = overdue + fell × cover adds how
// many expected gaps the user is overdue by and how far their activity
// fell, the latter counted in full only when the recent window spans an
// expected gap (a user who comes every three weeks is no more at risk for
// having no event in two). See docs/segments.md for a worked example.
func churnScore(in *churnInput) float64 {
	n := float64(in.gaps)
	g := (n*in.usualGap + priorGaps*priorGapDays) / (n + priorGaps)
	in.expected = g
	in.overdue = max(0, float64(in.silent)-g) / g
	in.fell = max(0, 1-in.ratio)
	in.cover = min(1, float64(in.window)/g)
	in.evidence = in.overdue + in.fell*in.cover
	return in.evidence / (1 + in.evidence)
}

// Churn ranks users whose activity fell against their own baseline or who
// are silent past their usual return gap.
//
// The recent window is the last W calendar days (as "in Wd"; days are
// those of the zone of ctx, see WithZone, else the dataset's); the
// baseline is the B days before it, started no earlier than the user's
// first day. Rates are events per day; activity ratio = recent rate /
// baseline rate. The usual gap is the median number of days between the
// user's consecutive active days. Eligible users were active in the
// baseline and on at least two days before the recent window; those active
// in the baseline on a single day before it are counted as too little
// history and not scored (a one-day visitor has no habit to lose). Scores
// are those of churnScore; users are listed from opt.MinScore, ranked by
// score, then days since last seen, then id.
func Churn(ctx context.Context, d *query.Dataset, opt ChurnOptions) (*ChurnReport, error) {
	key := int32(-1)
	if opt.KeyEvent != "" {
		if err := d.CheckEvent(opt.KeyEvent); err != nil {
			return nil, err
		}
		key, _ = d.EventID(opt.KeyEvent)
	}
	c := newChurnCount(opt, Zone(ctx, d), d.MinTime, d.MaxTime)
	var gaps []int
	for p := range d.Users {
		if p&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := int(d.Start[p]), int(d.Start[p+1])
		a := churnActivity{user: d.Users[p], keyAt: -1, gaps: gaps[:0]}
		prevDay := -1
		for i := lo; i < hi; i++ {
			t := d.Time[i]
			switch {
			case t >= c.recentFrom:
				a.recent++
			case t >= c.baseFrom:
				a.baseline++
			}
			// A person's events only move forward: step the calendar cursor.
			day := prevDay
			if day < 0 {
				day = c.cal.Bucket(t)
			}
			for c.cal.Starts[day+1] <= t {
				day++
			}
			c.addDay(&a, day)
			prevDay = day
			if key < 0 || d.Event[i] == key {
				a.keyAt, a.keyName = d.Time[i], d.Names[d.Event[i]]
			}
		}
		c.add(&a)
		gaps = a.gaps
	}
	return c.finish(), nil
}

// churnCount scores users one at a time from their activity.
type churnCount struct {
	opt                  ChurnOptions
	e                    *Evaluator // for the windows and the stamps
	recentFrom, baseFrom int64
	cal                  *query.Calendar
	lastDay, recentDay   int
	rep                  *ChurnReport
	// users at risk in blocks, joined by finish: appending to one slice
	// copied every user again at each doubling (92,121 at 10M events).
	users   [][]ChurnUser
	ranked  []churnRef    // users in rank order (rank), nil when not ranked
	merged  []*churnCount // other scorers' users (Merge), ranked
	gaps    []float64     // a block of UsualGapDays' values
	scratch []int         // median's
	signals map[string]churnSigns
	id      []byte // signalsOf's
}

// churnSigns are the signals of users whose signals read the same
// (signalsOf's id), shared by them and never changed.
type churnSigns struct {
	msgs    []i18n.Msg
	english []string
}

// churnActivity is a person's events as churn reads them: counts in the
// windows and their active days (calendar buckets) in order.
type churnActivity struct {
	user              string
	recent, baseline  int
	gaps              []int // between consecutive active days
	daysSeen          bool  // firstDay and lastDay are set
	firstDay, lastDay int
	daysBefore        int   // active days before the recent window
	keyAt             int64 // the last key event's time, -1 for none
	keyName           string
}

func newChurnCount(opt ChurnOptions, loc *time.Location, minTime, maxTime int64) *churnCount {
	if opt.WindowDays <= 0 {
		opt.WindowDays = 14
	}
	if opt.BaselineDays <= 0 {
		opt.BaselineDays = 4 * opt.WindowDays
	}
	c := &churnCount{opt: opt, e: &Evaluator{anchor: maxTime, loc: loc}}
	c.recentFrom, _ = c.e.rel(Rel{N: opt.WindowDays, Unit: 'd'})
	c.baseFrom, _ = c.e.rel(Rel{N: opt.WindowDays + opt.BaselineDays, Unit: 'd'})
	c.cal = query.NewCalendar(query.Day, loc, min(minTime, c.baseFrom), maxTime+1)
	c.lastDay = c.cal.Bucket(maxTime)
	c.recentDay = c.cal.Bucket(c.recentFrom)
	c.rep = &ChurnReport{WindowDays: opt.WindowDays, BaselineDays: opt.BaselineDays, MinScore: opt.MinScore}
	return c
}

// addDay adds the day of the person's next event (days never go back).
func (c *churnCount) addDay(a *churnActivity, day int) {
	if !a.daysSeen {
		a.daysSeen, a.firstDay, a.lastDay = true, day, -1
	}
	if a.lastDay >= 0 && day > a.lastDay {
		a.gaps = append(a.gaps, day-a.lastDay)
	}
	if day != a.lastDay && day < c.recentDay {
		a.daysBefore++
	}
	a.lastDay = day
}

// add scores a person.
func (c *churnCount) add(a *churnActivity) {
	rep, opt := c.rep, c.opt
	if a.baseline == 0 {
		return // never active, or gone before the baseline: no habit left to lose
	}
	if a.daysBefore < 2 {
		rep.TooLittleHistory++
		return
	}
	rep.Eligible++
	u := ChurnUser{RecentEvents: a.recent, BaselineEvents: a.baseline}
	baseDays := c.recentDay - max(a.firstDay, c.cal.Bucket(c.baseFrom))
	in := churnInput{
		window:   opt.WindowDays,
		silent:   c.lastDay - a.lastDay,
		usualGap: c.median(a.gaps),
		gaps:     len(a.gaps),
		ratio:    (float64(u.RecentEvents) / float64(opt.WindowDays)) / (float64(u.BaselineEvents) / float64(baseDays)),
	}
	u.Score = churnScore(&in)
	if u.Score < opt.MinScore {
		return
	}
	// A copy: ChurnScorer.Add's person may lend its bytes (a backend's
	// read buffer), and most persons scored are not listed.
	u.User = strings.Clone(a.user)
	u.ActivityRatio = in.ratio
	u.DaysSinceLastSeen = in.silent
	// The usual gaps are kept in blocks: a variable of its own per user
	// scored (in escaped when it held it) was a fifth of scoring's CPU.
	if len(c.gaps) == cap(c.gaps) {
		c.gaps = make([]float64, 0, 4096)
	}
	c.gaps = append(c.gaps, in.usualGap)
	u.UsualGapDays = &c.gaps[len(c.gaps)-1]
	u.ActiveDays = len(a.gaps) + 1
	u.ExpectedGapDays = in.expected
	u.GapsOverdue = in.overdue
	// The messages, and their English, once per distinct text: formatting
	// through the catalog was a fifth of scoring at 92,121 users, and
	// making the messages another, most of whom share their signals' text
	// with others.
	_, c.id = signalsOf(&in, c.id[:0], false)
	sig, ok := c.signals[string(c.id)]
	if !ok {
		sig.msgs, _ = signalsOf(&in, nil, true)
		sig.english = make([]string, len(sig.msgs))
		for i, m := range sig.msgs {
			sig.english[i] = m.In(i18n.English)
		}
		if c.signals == nil {
			c.signals = map[string]churnSigns{}
		}
		c.signals[string(c.id)] = sig
	}
	u.signals, u.Signals = sig.msgs, sig.english
	if a.keyAt >= 0 {
		u.LastKeyEvent = a.keyName
		u.LastKeyEventTime = c.e.stamp(a.keyAt)
	}
	if n := len(c.users); n == 0 || len(c.users[n-1]) == cap(c.users[n-1]) {
		c.users = append(c.users, make([]ChurnUser, 0, 4096)) // rank's blocks
	}
	c.ranked = nil
	last := &c.users[len(c.users)-1]
	*last = append(*last, u)
}

// churnRef is a user at risk: their block and place in churnCount.users,
// and their score and days since last seen as riskOf compares them,
// at hand (comparing through the users, the floats by cmp.Compare, was
// most of ranking's CPU: 0.1 of 0.6 s at 10M events).
type churnRef struct {
	score    uint64 // scoreKey(Score)
	days     int64  // DaysSinceLastSeen
	user     uint64 // userKey(User)
	block, i int32
}

// userKey orders users as their texts' first 8 bytes do (padded with
// zero bytes): two users of different keys compare as their texts do.
func userKey(u string) uint64 {
	var b [8]byte
	copy(b[:], u)
	return binary.BigEndian.Uint64(b[:])
}

func (c *churnCount) at(r churnRef) *ChurnUser { return &c.users[r.block][r.i] }

// scoreKey orders scores as cmp.Compare does (NaN below all, -0 equal to
// +0) and is equal for scores it finds equal.
func scoreKey(f float64) uint64 {
	switch {
	case f != f:
		return 0
	case f == 0:
		f = 0 // -0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// riskOf is the ranking of users at risk, a of ca against b of cb: by
// score, then days since last seen, highest first, then by id. The order
// is total (ids are unique), so an unstable sort is deterministic.
func riskOf(ca *churnCount, a churnRef, cb *churnCount, b churnRef) int {
	if a.score != b.score {
		if a.score > b.score {
			return -1
		}
		return 1
	}
	if a.days != b.days {
		if a.days > b.days {
			return -1
		}
		return 1
	}
	if a.user != b.user {
		if a.user < b.user {
			return -1
		}
		return 1
	}
	return strings.Compare(ca.at(a).User, cb.at(b).User)
}

// rank ranks the users at risk (riskOf) as references: a ChurnUser is
// 176 bytes, and sorting them in place moved each many times.
func (c *churnCount) rank() {
	if c.ranked != nil {
		return
	}
	n := 0
	for _, users := range c.users {
		n += len(users)
	}
	c.ranked = make([]churnRef, 0, n)
	for b, users := range c.users {
		for i := range users {
			u := &users[i]
			c.ranked = append(c.ranked, churnRef{scoreKey(u.Score), int64(u.DaysSinceLastSeen), userKey(u.User), int32(b), int32(i)})
		}
	}
	slices.SortFunc(c.ranked, func(a, b churnRef) int { return riskOf(c, a, c, b) })
}

// finish ranks the users at risk, its own and those merged, each moved
// once.
func (c *churnCount) finish() *ChurnReport {
	rep := c.rep
	parts := append([]*churnCount{c}, c.merged...)
	n := 0
	for _, p := range parts {
		p.rank()
		n += len(p.ranked)
	}
	rep.AtRisk = n
	if c.opt.Top > 0 {
		n = min(n, c.opt.Top)
	}
	// The parts' next users, interleaved by rank.
	rep.Users = make([]ChurnUser, 0, n)
	for len(rep.Users) < n {
		best := -1
		for i, p := range parts {
			if len(p.ranked) > 0 && (best < 0 || riskOf(p, p.ranked[0], parts[best], parts[best].ranked[0]) < 0) {
				best = i
			}
		}
		p := parts[best]
		rep.Users = append(rep.Users, *p.at(p.ranked[0]))
		p.ranked = p.ranked[1:]
	}
	for _, p := range parts {
		p.users, p.ranked = nil, nil
	}
	c.merged = nil
	return rep
}

// ChurnPerson is a person's activity as a backend that reads each
// person's events where they are (package chquery) sums it up for
// ChurnFromPersons: their events in the recent window and in the baseline
// (ChurnWindows), an instant in each day they were active, in order, and
// their last key event (KeyAt -1: none). CivilDays, when set, are those
// days instead, as day numbers (days since 1970-01-01 of their date in
// the scorer's zone), which cost no calendar look-up.
type ChurnPerson struct {
	User             string
	Recent, Baseline int
	Days             []int64
	CivilDays        []int64
	KeyAt            int64
	KeyEvent         string
}

// ChurnWindows returns where the recent window and the baseline start
// (epoch ms) over data ending at maxTime, days being loc's.
func ChurnWindows(opt ChurnOptions, loc *time.Location, minTime, maxTime int64) (recentFrom, baselineFrom int64) {
	c := newChurnCount(opt, loc, minTime, maxTime)
	return c.recentFrom, c.baseFrom
}

// ChurnFromPersons ranks users as Churn does, from their activity; persons
// with no baseline event may be left out. loc is the zone of the days
// (Zone's), minTime and maxTime the data's first and last instants.
func ChurnFromPersons(opt ChurnOptions, loc *time.Location, minTime, maxTime int64, persons []ChurnPerson) *ChurnReport {
	s := NewChurnScorer(opt, loc, minTime, maxTime)
	for _, p := range persons {
		s.Add(p)
	}
	return s.Report()
}

// ChurnScorer is ChurnFromPersons one person at a time, for a backend
// that scores persons as it reads them instead of holding them all.
type ChurnScorer struct {
	c    *churnCount
	gaps []int
	day0 int64 // the day number of the calendar's first day
}

// NewChurnScorer starts scoring as ChurnFromPersons does.
func NewChurnScorer(opt ChurnOptions, loc *time.Location, minTime, maxTime int64) *ChurnScorer {
	c := newChurnCount(opt, loc, minTime, maxTime)
	y, m, d := time.UnixMilli(c.cal.Starts[0]).In(loc).Date()
	return &ChurnScorer{c: c, day0: time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400}
}

// Add scores a person; it keeps nothing of p.Days or p.CivilDays, nor
// p.User's bytes.
func (s *ChurnScorer) Add(p ChurnPerson) {
	a := churnActivity{user: p.User, recent: p.Recent, baseline: p.Baseline, keyAt: p.KeyAt, keyName: p.KeyEvent, gaps: s.gaps[:0]}
	for _, at := range p.Days {
		s.c.addDay(&a, s.c.cal.Bucket(at))
	}
	for _, d := range p.CivilDays {
		b := int(d - s.day0) // the calendar's buckets are its days, one each
		if b < 0 || b >= s.c.cal.Len() {
			b = -1 // as Bucket
		}
		s.c.addDay(&a, b)
	}
	s.c.add(&a)
	s.gaps = a.gaps
}

// TooLittle counts n persons with too little history that were not
// given to Add (active in the baseline, on a single day before the
// recent window).
func (s *ChurnScorer) TooLittle(n int) { s.c.rep.TooLittleHistory += n }

// Rank ranks the users at risk scored so far, which Report would do: a
// backend that scores parts on goroutines of their own ranks each part
// there, and Report then only interleaves them.
func (s *ChurnScorer) Rank() { s.c.rank() }

// Merge adds the persons o scored (with the same options) to s's; o is
// not used after.
func (s *ChurnScorer) Merge(o *ChurnScorer) {
	s.c.merged = append(append(s.c.merged, o.c), o.c.merged...)
	o.c.merged = nil
	s.c.rep.Eligible += o.c.rep.Eligible
	s.c.rep.TooLittleHistory += o.c.rep.TooLittleHistory
}

// Report ranks the users scored.
func (s *ChurnScorer) Report() *ChurnReport { return s.c.finish() }

// churnSignals names the terms that raised the score.
func churnSignals(in *churnInput) []i18n.Msg {
	s, _ := signalsOf(in, nil, true)
	return s
}

// signalsOf appends to id the signals' kinds and arguments, the same for
// the same messages, and with msgs returns the messages (churnSignals'):
// the arguments are the text appended.
func signalsOf(in *churnInput, id []byte, msgs bool) (s []i18n.Msg, _ []byte) {
	// arg appends one argument and returns its text when msgs asks for it.
	arg := func(appendArg func([]byte) []byte) string {
		from := len(id)
		id = append(appendArg(id), 0)
		if !msgs {
			return ""
		}
		return string(id[from : len(id)-1])
	}
	percent := func(f float64) func([]byte) []byte {
		return func(b []byte) []byte { return strconv.AppendFloat(b, 100*f, 'f', 0, 64) }
	}
	// The keys are written at the i18n.M calls, where the catalog test
	// finds them.
	if in.overdue > 0 {
		silent := arg(func(b []byte) []byte { return strconv.AppendInt(b, int64(in.silent), 10) })
		expected := arg(func(b []byte) []byte { return appendFixed(b, in.expected, 1) })
		overdue := arg(func(b []byte) []byte { return appendFixed(b, in.overdue, 1) })
		id = append(id, 'o', 0)
		if msgs {
			s = append(s, i18n.M("silent %sd, expected gap %sd: %s gaps overdue", silent, expected, overdue))
		}
	}
	if in.fell > 0 {
		fell := arg(percent(in.fell))
		if in.cover < 1 {
			cover := arg(percent(in.cover))
			id = append(id, 'c', 0)
			if msgs {
				s = append(s, i18n.M("activity fell %s%%, counted %s%% (window shorter than the expected gap)", fell, cover))
			}
		} else {
			id = append(id, 'f', 0)
			if msgs {
				s = append(s, i18n.M("activity fell %s%%", fell))
			}
		}
	}
	return s, id
}

// appendFixed appends f with at most prec decimals, without trailing
// zeros.
func appendFixed(b []byte, f float64, prec int) []byte {
	return strconv.AppendFloat(b, math.Round(f*math.Pow10(prec))/math.Pow10(prec), 'f', -1, 64)
}

// median is the median of xs (left as they are).
func (c *churnCount) median(xs []int) float64 {
	c.scratch = append(c.scratch[:0], xs...)
	s := c.scratch
	sort.Ints(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Tables lists the users at risk, riskiest first.
func (r *ChurnReport) Tables(l i18n.Lang) []output.Table {
	title := l.T("Churn risk over the last %d days against a %d-day baseline: %d of %d users score at least %s",
		r.WindowDays, r.BaselineDays, r.AtRisk, r.Eligible, strconv.FormatFloat(r.MinScore, 'f', 2, 64))
	if len(r.Users) < r.AtRisk {
		title += l.T(" (top %d shown)", len(r.Users))
	}
	if r.TooLittleHistory > 0 {
		title += l.T("; %d with a single active day before the window not scored", r.TooLittleHistory)
	}
	t := output.Table{Title: title, Columns: []string{l.T("user"), l.T("score"), l.T("days_since"), l.T("activity_ratio"), l.T("usual_gap_days"), l.T("active_days"), l.T("last_key_event"), l.T("signals")}}
	for _, u := range r.Users {
		last := "-"
		if u.LastKeyEvent != "" {
			last = u.LastKeyEvent + " " + u.LastKeyEventTime
		}
		t.Rows = append(t.Rows, []string{u.User, strconv.FormatFloat(u.Score, 'f', 3, 64), strconv.Itoa(u.DaysSinceLastSeen),
			strconv.FormatFloat(u.ActivityRatio, 'f', 2, 64), num(*u.UsualGapDays), strconv.Itoa(u.ActiveDays), last, u.SignalsText(l)})
	}
	return []output.Table{t}
}

// SignalsText is the user's signals in the interface language (Signals is
// the JSON's English).
func (u ChurnUser) SignalsText(l i18n.Lang) string {
	parts := make([]string, len(u.signals))
	for i, m := range u.signals {
		parts[i] = m.In(l)
	}
	return strings.Join(parts, l.T("; "))
}
