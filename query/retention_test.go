package query

import (
	"context"
	"encoding/json"
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

func TestRetentionDefaults(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, "u1 open 2026-03-02 10:00"), time.UTC)
	r := rtRun(t, d, RetentionQuery{})
	if r.Periods != 31 || r.Period != "day" {
		t.Errorf("defaults: %s x %d", r.Period, r.Periods)
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

// The table alone is counted as the scan goes, keeping no membership; the
// first user list scans for them, and lists what the hand-made timeline
// says: u1 and u2 start on D0, u1 comes back on D1 and D3, u2 on D2.
func TestRetentionCountsThenLists(t *testing.T) {
	d := NewDataset(rtTimeline(t, time.UTC, rtBasic), time.UTC)
	r := rtRun(t, d, RetentionQuery{Periods: 5})
	if r.m != nil || r.lists == nil {
		t.Fatalf("the table kept %d parts of memberships", len(r.m))
	}
	if got := r.Cohorts[0].Retained; !reflect.DeepEqual(got, []int{2, 1, 1, 1, 0}) {
		t.Errorf("D0 cohort retained %v", got)
	}
	for k, want := range [][]string{{"u1", "u2"}, {"u1"}, {"u2"}, {"u1"}, {}} {
		if got := r.CellUsers(0, k); !reflect.DeepEqual(got, want) {
			t.Errorf("CellUsers(0, %d) = %v, want %v", k, got, want)
		}
	}
	// With --by the breakdown reads the memberships: they are kept.
	if r := rtRun(t, d, RetentionQuery{Periods: 5, Common: Common{By: "plan"}}); r.m == nil {
		t.Error("--by kept no memberships")
	}
}
