package query

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// rtTimeline reads one event per line, "user event YYYY-MM-DD HH:MM
// [key=value ...]", with the time in loc.
func rtTimeline(tb testing.TB, loc *time.Location, src string) []RawEvent {
	tb.Helper()
	var evs []RawEvent
	for _, line := range strings.Split(src, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 4 {
			tb.Fatalf("bad timeline line %q", line)
		}
		tm, err := time.ParseInLocation("2006-01-02 15:04", f[2]+" "+f[3], loc)
		if err != nil {
			tb.Fatal(err)
		}
		e := RawEvent{User: f[0], Event: f[1], Time: tm.UnixMilli(), Props: map[string]string{}}
		for _, kv := range f[4:] {
			k, v, _ := strings.Cut(kv, "=")
			e.Props[k] = v
		}
		evs = append(evs, e)
	}
	return evs
}

func rtLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Skipf("timezone %s not available: %v", name, err)
	}
	return loc
}

// rtRow is the expected shape of one cohort: start, size, retained and the
// first incomplete period (-1 = none).
type rtRow struct {
	start    string
	size     int
	retained []int
	inc      int
}

func rtCheck(t *testing.T, r *RetentionResult, rows []rtRow, avg []float64) {
	t.Helper()
	if len(r.Cohorts) != len(rows) {
		t.Fatalf("got %d cohorts, want %d: %+v", len(r.Cohorts), len(rows), r.Cohorts)
	}
	for i, want := range rows {
		c := r.Cohorts[i]
		inc := -1
		if c.IncompleteFrom != nil {
			inc = *c.IncompleteFrom
		}
		if c.Start != want.start || c.Size != want.size || !reflect.DeepEqual(c.Retained, want.retained) || inc != want.inc {
			t.Errorf("cohort %d = {%s %d %v inc %d}, want {%s %d %v inc %d}", i, c.Start, c.Size, c.Retained, inc,
				want.start, want.size, want.retained, want.inc)
		}
		for k, n := range c.Retained {
			if c.Size > 0 && math.Abs(c.Percent[k]-100*float64(n)/float64(c.Size)) > 1e-9 {
				t.Errorf("cohort %d percent[%d] = %v for %d of %d", i, k, c.Percent[k], n, c.Size)
			}
		}
	}
	if len(r.Average) != len(avg) {
		t.Fatalf("average = %v, want %v", r.Average, avg)
	}
	for k := range avg {
		if math.Abs(r.Average[k]-avg[k]) > 1e-9 {
			t.Errorf("average = %v, want %v", r.Average, avg)
			break
		}
	}
}

func rtRun(t *testing.T, d *Dataset, q RetentionQuery) *RetentionResult {
	t.Helper()
	r, err := d.Retention(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Days D0..D4 from Monday 2026-03-02; the data ends on D4, so D4 is the
// incomplete period of every cohort.
const rtBasic = `
u1 open 2026-03-02 10:00
u1 open 2026-03-03 09:00
u1 open 2026-03-05 12:00
u2 open 2026-03-02 11:00
u2 open 2026-03-04 08:00
u3 open 2026-03-03 15:00
u3 open 2026-03-06 10:00
`

func TestRetentionBoundedDaily(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 4})
	rtCheck(t, r, []rtRow{
		{"2026-03-02", 2, []int{2, 1, 1, 1}, -1},
		// u3's return on D4 is counted, but D4 is cut short by the data's end.
		{"2026-03-03", 1, []int{1, 0, 0, 1}, 3},
		{"2026-03-04", 0, []int{0, 0, 0}, 2},
		{"2026-03-05", 0, []int{0, 0}, 1},
		{"2026-03-06", 0, []int{0}, 0},
	}, []float64{100, 100.0 / 3, 100.0 / 3, 50}) // k=3 averages D0 only: D1's k=3 is incomplete
	if r.Cohorts[0].Percent[0] != 100 {
		t.Errorf("period 0 = %v%%, want 100%%", r.Cohorts[0].Percent[0])
	}
	if got := r.CellUsers(0, 2); !reflect.DeepEqual(got, []string{"u2"}) {
		t.Errorf("CellUsers(0,2) = %v", got)
	}
	if got := r.CellUsers(1, 3); !reflect.DeepEqual(got, []string{"u3"}) {
		t.Errorf("CellUsers(1,3) = %v", got)
	}
	if got := r.CellUsers(0, 0); !reflect.DeepEqual(got, []string{"u1", "u2"}) {
		t.Errorf("CellUsers(0,0) = %v", got)
	}
	if got := r.CellUsers(4, 1); got != nil {
		t.Errorf("CellUsers past the reported periods = %v, want nil", got)
	}
}

func TestRetentionRecurring(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 4, Recurring: true})
	// Every (person, day) with an event is a membership.
	rtCheck(t, r, []rtRow{
		{"2026-03-02", 2, []int{2, 1, 1, 1}, -1},
		{"2026-03-03", 2, []int{2, 0, 1, 1}, 3},
		{"2026-03-04", 1, []int{1, 0, 0}, 2},
		{"2026-03-05", 1, []int{1, 0}, 1},
		{"2026-03-06", 1, []int{1}, 0},
	}, []float64{100, 20, 50, 50})
	if got := r.CellUsers(1, 0); !reflect.DeepEqual(got, []string{"u1", "u3"}) {
		t.Errorf("CellUsers(1,0) = %v", got)
	}
	// Recurring and unbounded: a membership counts up to the person's last
	// return, whichever membership it is.
	r = rtRun(t, d, RetentionQuery{Periods: 4, Recurring: true, Unbounded: true})
	rtCheck(t, r, []rtRow{
		{"2026-03-02", 2, []int{2, 2, 2, 1}, -1},
		{"2026-03-03", 2, []int{2, 2, 2, 1}, 3},
		{"2026-03-04", 1, []int{1, 0, 0}, 2},
		{"2026-03-05", 1, []int{1, 0}, 1},
		{"2026-03-06", 1, []int{1}, 0},
	}, []float64{100, 80, 100, 50})
	if got := r.CellUsers(1, 3); !reflect.DeepEqual(got, []string{"u3"}) {
		t.Errorf("CellUsers(1,3) = %v", got)
	}
}

func TestRetentionDSTBerlin(t *testing.T) {
	berlin := rtLoc(t, "Europe/Berlin")
	// 29 March 2026 has 23 hours in Berlin. 30 March 00:15 CEST is still
	// 29 March in UTC.
	evs := rtTimeline(t, berlin, `
u1 open 2026-03-28 23:30
u1 open 2026-03-29 23:30
u1 open 2026-03-30 00:15
u9 open 2026-04-05 12:00
`)
	d := NewDataset(evs, berlin)
	r := rtRun(t, d, RetentionQuery{Periods: 3})
	if len(r.Cohorts) != 9 || r.Cohorts[0].Start != "2026-03-28" || r.Cohorts[2].Start != "2026-03-30" {
		t.Fatalf("cohorts = %+v", r.Cohorts)
	}
	if got := r.Cohorts[0].Retained; !reflect.DeepEqual(got, []int{1, 1, 1}) {
		t.Errorf("Berlin: retained = %v, want [1 1 1]", got)
	}
	r = rtRun(t, d, RetentionQuery{Periods: 3, Common: Common{TZ: "UTC"}})
	if r.Cohorts[0].Start != "2026-03-28" || !reflect.DeepEqual(r.Cohorts[0].Retained, []int{1, 1, 0}) {
		t.Errorf("UTC: cohort 0 = %+v, want retained [1 1 0]", r.Cohorts[0])
	}
	// Autumn: 25 October has 25 hours; 23:30 CET on the 25th is still the 25th.
	d = NewDataset(rtTimeline(t, berlin, `
u2 open 2026-10-24 12:00
u2 open 2026-10-25 23:30
u2 open 2026-10-26 00:30
u9 open 2026-10-30 12:00
`), berlin)
	r = rtRun(t, d, RetentionQuery{Periods: 3})
	if r.Cohorts[0].Start != "2026-10-24" || !reflect.DeepEqual(r.Cohorts[0].Retained, []int{1, 1, 1}) || len(r.Cohorts) != 7 {
		t.Errorf("autumn: cohorts = %+v", r.Cohorts)
	}
}

func TestRetentionEmpty(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	for _, c := range []Common{
		{From: "2027-01-01", To: "2027-01-31"}, // after the data
		{From: "2025-01-01", To: "2025-01-31"}, // before it
	} {
		r := rtRun(t, d, RetentionQuery{Common: c})
		b, _ := json.Marshal(r)
		if len(r.Cohorts) != 0 || !strings.Contains(string(b), `"cohorts":[]`) || !strings.Contains(string(b), `"average":[]`) {
			t.Errorf("%+v: %s", c, b)
		}
	}
	r := rtRun(t, NewDataset(nil, nil), RetentionQuery{Recurring: true})
	if len(r.Cohorts) != 0 || len(r.Average) != 0 || r.CellUsers(0, 0) != nil {
		t.Errorf("empty dataset: %+v", r)
	}
}

func TestRetentionSingleEvent(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, "u1 open 2026-03-02 10:00"), time.UTC)
	r := rtRun(t, d, RetentionQuery{})
	// Its only period holds the data's end: reported, but not averaged.
	rtCheck(t, r, []rtRow{{"2026-03-02", 1, []int{1}, 0}}, nil)
	if r.Periods != 31 || r.Period != "day" {
		t.Errorf("defaults: %s x %d", r.Period, r.Periods)
	}
}

func TestRetentionBreakdown(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, `
u1 open 2026-03-02 10:00 plan=pro
u1 open 2026-03-03 10:00 plan=free
u2 open 2026-03-02 10:00 plan=free
u3 open 2026-03-02 10:00 plan=pro
u4 open 2026-03-03 10:00
u4 open 2026-03-04 10:00 plan=pro
`), time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 2, Common: Common{By: "plan"}})
	// The cohort-making start event carries the value: u1 is "pro" even
	// though a later event says "free".
	var got []string
	for _, g := range r.Breakdown {
		got = append(got, g.Value)
		total := 0
		for _, c := range g.Cohorts {
			total += c.Size
		}
		if total != g.Size {
			t.Errorf("%s: size %d, cohorts sum to %d", g.Value, g.Size, total)
		}
	}
	if !reflect.DeepEqual(got, []string{"pro", "(none)", "free"}) {
		t.Fatalf("values = %v", got)
	}
	pro := r.Breakdown[0]
	if pro.Size != 2 || !reflect.DeepEqual(pro.Cohorts[0].Retained, []int{2, 1}) || pro.Average[1] != 50 {
		t.Errorf("pro = %+v", pro)
	}
	none := r.Breakdown[1]
	if none.Cohorts[1].Size != 1 || !reflect.DeepEqual(none.Cohorts[1].Retained, []int{1, 1}) {
		t.Errorf("(none) = %+v", none)
	}
	if n := len(r.Tables()); n != 8 {
		t.Errorf("%d tables, want 2 overall + 2 per value", n)
	}
}

func TestRetentionSegment(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	d.Segments = segmentWhere(func(id string) bool { return id != "u2" })
	r := rtRun(t, d, RetentionQuery{Periods: 4, Common: Common{Segment: "not-u2"}})
	if c := r.Cohorts[0]; c.Size != 1 || !reflect.DeepEqual(c.Retained, []int{1, 1, 0, 1}) {
		t.Errorf("cohort 0 = %+v", c)
	}
	x, err := d.ExplainRetention(context.Background(), RetentionQuery{Common: Common{Segment: "not-u2"}}, "u2")
	if err != nil || len(x.Cohorts) != 0 || !strings.Contains(x.Reason, "segment") {
		t.Errorf("explain u2 = %+v, %v", x, err)
	}
}

func TestRetentionErrors(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, "u1 open 2026-03-02 10:00\nu1 purchase 2026-03-03 10:00"), time.UTC)
	ctx := context.Background()
	if _, err := d.Retention(ctx, RetentionQuery{Return: "purchse"}); err == nil || !strings.Contains(err.Error(), "purchase") {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := d.Retention(ctx, RetentionQuery{Period: "year"}); err == nil {
		t.Error("period year accepted")
	}
	if _, err := d.Retention(ctx, RetentionQuery{Periods: -1}); err == nil {
		t.Error("negative periods accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.Retention(cancelled, RetentionQuery{}); err == nil {
		t.Error("cancelled query ran")
	}
}

func TestRetentionManyPeriods(t *testing.T) {
	// 70 periods need two words of return bits per membership.
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var evs []RawEvent
	for _, day := range []int{0, 1, 63, 64, 65, 69, 80} {
		evs = append(evs, RawEvent{User: "u1", Event: "open", Time: base.AddDate(0, 0, day).UnixMilli()})
	}
	d := NewDataset(evs, time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 70})
	var hit []int
	for k, n := range r.Cohorts[0].Retained {
		if n > 0 {
			hit = append(hit, k)
		}
	}
	if !reflect.DeepEqual(hit, []int{0, 1, 63, 64, 65, 69}) {
		t.Errorf("returned periods = %v", hit)
	}
	if got := r.CellUsers(0, 64); !reflect.DeepEqual(got, []string{"u1"}) {
		t.Errorf("CellUsers(0,64) = %v", got)
	}
}

func TestExplainRetention(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	ctx := context.Background()
	x, err := d.ExplainRetention(ctx, RetentionQuery{Periods: 4}, "u3")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Cohorts) != 1 {
		t.Fatalf("cohorts = %+v", x.Cohorts)
	}
	c := x.Cohorts[0]
	if c.Start != "2026-03-03" || c.StartEvent.Time != "2026-03-03T15:00:00Z" || len(c.Periods) != 4 {
		t.Fatalf("cohort = %+v", c)
	}
	var returned []bool
	for _, p := range c.Periods {
		returned = append(returned, p.Returned)
	}
	if !reflect.DeepEqual(returned, []bool{true, false, false, true}) || !c.Periods[3].Incomplete ||
		len(c.Periods[3].Events) != 1 || c.Periods[3].Events[0].Time != "2026-03-06T10:00:00Z" {
		t.Errorf("periods = %+v", c.Periods)
	}
	x, err = d.ExplainRetention(ctx, RetentionQuery{Start: "open", Common: Common{From: "2026-03-06"}}, "u1")
	if err != nil || len(x.Cohorts) != 0 || !strings.Contains(x.Reason, `no "open" in the date range`) {
		t.Errorf("u1 after range = %+v, %v", x, err)
	}
	if _, err := d.ExplainRetention(ctx, RetentionQuery{}, "nobody"); err == nil {
		t.Error("unknown user explained")
	}
}

func TestRetentionPeriodBoundaries(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).UnixMilli()
	const ms = 86_400_000
	d := NewDataset([]RawEvent{
		{User: "u1", Event: "signup", Time: day + ms - 1}, // the last millisecond of day 0
		{User: "u1", Event: "open", Time: day + ms - 1},   // same instant: period 0, not a return
		{User: "u2", Event: "signup", Time: day},
		{User: "u2", Event: "open", Time: day + ms}, // the first millisecond of day 1
		{User: "u3", Event: "open", Time: day + 3*ms},
	}, time.UTC)
	r := rtRun(t, d, RetentionQuery{Start: "signup", Return: "open", Periods: 3})
	rtCheck(t, r, []rtRow{
		{"2026-03-02", 2, []int{2, 1, 0}, -1},
		{"2026-03-03", 0, []int{0, 0, 0}, 2},
		{"2026-03-04", 0, []int{0, 0}, 1},
		{"2026-03-05", 0, []int{0}, 0},
	}, []float64{100, 50, 0})
	if got := r.CellUsers(0, 1); !reflect.DeepEqual(got, []string{"u2"}) {
		t.Errorf("CellUsers(0,1) = %v", got)
	}
}
