package query

import (
	"context"
	"encoding/json"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func fnRun(t *testing.T, d *Dataset, q FunnelQuery) *FunnelResult {
	t.Helper()
	r, err := d.Funnel(context.Background(), q)
	if err != nil {
		t.Fatalf("Funnel: %v", err)
	}
	return r
}

// fnLevels renders the per-person result: "u1:2 u2:1* u3:-" (* in
// progress, - not counted).
func fnLevels(d *Dataset, r *FunnelResult) string {
	var parts []string
	for u, id := range d.Users {
		s := id + ":"
		if r.Level[u] < 0 {
			s += "-"
		} else {
			s += strconv.Itoa(int(r.Level[u]))
		}
		if r.InProgress[u] {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// fnCounts renders users per step: "3/2/1".
func fnCounts(r *FunnelResult) string {
	var parts []string
	for _, s := range r.Steps {
		parts = append(parts, strconv.Itoa(s.Users))
	}
	return strings.Join(parts, "/")
}

func steps(names ...string) []FunnelStep { return FunnelSteps(names) }

// "zz" events far after everything else close every window, so users
// count as dropped rather than in progress unless a case says otherwise.
const closeWindows = "zz search 2026-06-01 00:00"

func fnLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("timezone %s not available: %v", name, err)
	}
	return loc
}

func TestFunnelDropOffAndLists(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-05 10:00
u1 cart 2026-01-05 10:01
u2 view 2026-01-01 10:00
u2 cart 2026-01-01 10:01
u3 view 2026-01-01 10:00
u4 view 2026-01-01 10:00
u4 cart 2026-01-01 10:01
u4 buy  2026-01-01 10:02
zz search 2026-01-10 00:00`)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "cart", "buy")})
	want := []struct{ users, drop, prog int }{{4, 1, 0}, {3, 1, 1}, {1, 0, 0}}
	for k, w := range want {
		s := r.Steps[k]
		if s.Users != w.users || s.DropOff != w.drop || s.InProgress != w.prog {
			t.Errorf("step %d: users %d drop %d in progress %d, want %+v", k+1, s.Users, s.DropOff, s.InProgress, w)
		}
	}
	if got := r.Steps[1].Conversion; got != 0.75 {
		t.Errorf("step 2 conversion %v, want 0.75", got)
	}
	if got := r.Steps[2].StepConversion; got != 1.0/3 {
		t.Errorf("step 3 step conversion %v, want 1/3", got)
	}
	check := func(name string, got []string, want ...string) {
		if !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("UsersAt(1)", r.UsersAt(1), "u1", "u2", "u4")
	check("DroppedAt(0)", r.DroppedAt(0), "u3")
	check("DroppedAt(1)", r.DroppedAt(1), "u2")
	check("InProgressAt(1)", r.InProgressAt(1), "u1")
	check("DroppedAt(2)", r.DroppedAt(2))
	check("UsersAt(2)", r.UsersAt(2), "u4")
}

func TestFunnelTimeToConvert(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 cart 2026-01-01 10:01
u2 view 2026-01-01 10:00
u2 cart 2026-01-01 10:02
u3 view 2026-01-01 10:00
u3 cart 2026-01-01 10:05
u3 buy  2026-01-02 10:05
u4 view 2026-01-01 10:00
u4 cart 2026-01-01 10:10
u4 buy  2026-01-01 10:10
u5 view 2026-01-01 10:00
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "cart", "buy")})
	// cart after view: 60, 120, 300, 600 s. buy after cart: 86400, 0 s.
	want := [][3]float64{{105, 210, 375}, {21600, 43200, 64800}}
	for k, w := range want {
		s := r.Steps[k+1]
		got := [3]float64{*s.P25Seconds, *s.MedianSeconds, *s.P75Seconds}
		if got != w {
			t.Errorf("step %d quartiles %v, want %v", k+2, got, w)
		}
	}
	if r.Steps[0].MedianSeconds != nil {
		t.Errorf("step 1 has a time to convert: %v", *r.Steps[0].MedianSeconds)
	}
}

func TestFunnelTimeFromLatestEarlierStep(t *testing.T) {
	// The counted chain is the one that first reached the deepest step;
	// its earlier steps are the latest that still lead there: cart at
	// 10:30, not 10:10, so cart→buy is 10 minutes.
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 cart 2026-01-01 10:10
u1 cart 2026-01-01 10:30
u1 buy  2026-01-01 10:40
u1 buy  2026-01-01 11:40
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "cart", "buy")})
	if got := *r.Steps[1].MedianSeconds; got != 1800 {
		t.Errorf("view→cart %v s, want 1800", got)
	}
	if got := *r.Steps[2].MedianSeconds; got != 600 {
		t.Errorf("cart→buy %v s, want 600", got)
	}
}

func TestFunnelEmptyDataset(t *testing.T) {
	d := NewDataset(nil, time.UTC)
	_, err := d.Funnel(context.Background(), FunnelQuery{Steps: steps("view", "buy")})
	if err == nil || !strings.Contains(err.Error(), `unknown event "view"`) {
		t.Fatalf("empty dataset: err %v, want unknown event", err)
	}
}

func TestFunnelBreakdownOnCountedAttempt(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00 src=ads
u1 view 2026-01-10 10:00 src=seo
u1 cart 2026-01-10 10:01
u1 buy  2026-01-10 10:02
u2 view 2026-01-01 10:00 src=ads
u2 cart 2026-01-01 10:01
u3 view 2026-01-01 10:00
u4 view 2026-01-02 10:00 src=ads
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "cart", "buy"), Common: Common{By: "src"}})
	var got []string
	for _, b := range r.Breakdown {
		var c []string
		for _, s := range b.Steps {
			c = append(c, strconv.Itoa(s.Users))
		}
		got = append(got, b.Value+"="+strings.Join(c, "/"))
	}
	want := "ads=2/1/0 (none)=1/0/0 seo=1/1/1"
	if strings.Join(got, " ") != want {
		t.Fatalf("breakdown %s, want %s", strings.Join(got, " "), want)
	}
	top := r.TopBreakdown(1)
	if len(top) != 2 || top[1].Value != OtherValue || fnStepUsers(top[1]) != "2/1/1" {
		t.Fatalf("TopBreakdown(1) = %+v", top)
	}
	if *top[1].Steps[2].MedianSeconds != 60 {
		t.Fatalf("other: cart→buy %v, want 60", *top[1].Steps[2].MedianSeconds)
	}
}

func fnStepUsers(b FunnelBreakdown) string {
	var c []string
	for _, s := range b.Steps {
		c = append(c, strconv.Itoa(s.Users))
	}
	return strings.Join(c, "/")
}

func TestFunnelTrendAcrossDST(t *testing.T) {
	ny := fnLoc(t, "America/New_York")
	// DST starts 2026-03-08 at 02:00 in New York: that day has 23 hours.
	d := textTimeline(t, ny, `
u1 view 2026-03-07 23:30
u2 view 2026-03-08 23:30
u2 buy  2026-03-09 08:00
u3 view 2026-03-09 00:30
u3 buy  2026-03-09 00:31
u4 view 2026-03-09 01:30
zz search 2026-06-01 00:00`)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "buy"), Interval: "day", Common: Common{From: "2026-03-07", To: "2026-03-09"}})
	var got []string
	for _, p := range r.Trend {
		got = append(got, p.T+":"+strconv.Itoa(p.Converted)+"/"+strconv.Itoa(p.Users))
	}
	want := "2026-03-07:0/1 2026-03-08:1/1 2026-03-09:1/2"
	if strings.Join(got, " ") != want {
		t.Fatalf("trend %s, want %s", strings.Join(got, " "), want)
	}
	if r.Trend[2].Conversion != 0.5 {
		t.Fatalf("2026-03-09 conversion %v, want 0.5", r.Trend[2].Conversion)
	}
	// In UTC the same instants fall on other days.
	r = fnRun(t, d, FunnelQuery{Steps: steps("view", "buy"), Interval: "day", Common: Common{From: "2026-03-08", To: "2026-03-09", TZ: "UTC"}})
	got = got[:0]
	for _, p := range r.Trend {
		got = append(got, p.T+":"+strconv.Itoa(p.Converted)+"/"+strconv.Itoa(p.Users))
	}
	if want := "2026-03-08:0/1 2026-03-09:2/3"; strings.Join(got, " ") != want {
		t.Fatalf("UTC trend %s, want %s", strings.Join(got, " "), want)
	}
}

func TestFunnelSegment(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 buy  2026-01-01 10:01
u2 view 2026-01-01 10:00
`+closeWindows)
	d.Segments = segmentWhere(func(id string) bool { return id == "u2" })
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "buy"), Common: Common{Segment: "only-u2"}})
	if got := fnLevels(d, r); got != "u1:- u2:0 zz:-" {
		t.Fatalf("levels %s", got)
	}
}

func TestFunnelErrors(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 purchase 2026-01-01 10:01`)
	for _, c := range []struct {
		q    FunnelQuery
		want string
	}{
		{FunnelQuery{Steps: steps("view", "purchse")}, `closest known: purchase`},
		{FunnelQuery{}, "at least one step"},
		{FunnelQuery{Steps: steps("view"), Mode: "sideways"}, "unknown funnel mode"},
		{FunnelQuery{Steps: steps("view"), Window: "soon"}, "--window"},
		{FunnelQuery{Steps: steps("view", "purchase"), Exclude: []Exclusion{{Event: "view", From: 1, To: 1}}}, "not two steps"},
		{FunnelQuery{Steps: steps("view", "purchase"), Exclude: []Exclusion{{Event: "nope"}}}, "exclusion: unknown event"},
		{FunnelQuery{Steps: steps("view", "purchase"), Mode: "any", Exclude: []Exclusion{{Event: "view"}}}, "ordered or strict"},
		{FunnelQuery{Steps: FunnelSteps([]string{"view where price >"})}, "step 1 (view)"},
		{FunnelQuery{Steps: steps("view"), Interval: "fortnight"}, "unknown interval"},
	} {
		_, err := d.Funnel(context.Background(), c.q)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.q, err, c.want)
		}
	}
}

func TestFunnelCancelled(t *testing.T) {
	d := textTimeline(t, time.UTC, "u1 view 2026-01-01 10:00")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Funnel(ctx, FunnelQuery{Steps: steps("view")}); err == nil {
		t.Fatal("a cancelled query returned a result")
	}
}

func TestFunnelJSONShape(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00
u1 buy  2026-01-01 10:01
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "buy")})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	st := m["steps"].([]any)[1].(map[string]any)
	for _, k := range []string{"event", "users", "conversion", "step_conversion", "median_seconds", "p25_seconds", "p75_seconds", "drop_off", "in_progress"} {
		if _, ok := st[k]; !ok {
			t.Errorf("step JSON lacks %q: %s", k, b)
		}
	}
	if st["median_seconds"].(float64) != 60 || st["users"].(float64) != 1 {
		t.Errorf("step 2 JSON %v", st)
	}
	if bd, ok := m["breakdown"].([]any); !ok || len(bd) != 0 {
		t.Errorf("breakdown without --by should be [], got %s", b)
	}
	if _, ok := m["trend"].([]any); !ok {
		t.Errorf("no trend in %s", b)
	}
}

func TestFunnelExplain(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view   2026-01-01 10:00
u1 cart   2026-01-01 10:05
u1 buy    2026-01-09 10:00
u2 view   2026-01-01 10:00
u2 refund 2026-01-01 10:01
u2 cart   2026-01-01 10:02
u3 view   2026-05-30 10:00
u4 search 2026-01-01 10:00
u5 view   2026-01-01 10:00
u5 cart   2026-01-01 10:01
u5 buy    2026-01-01 10:02
u6 view   2026-01-01 10:00
u6 cart   2026-01-01 10:01
u6 view   2026-01-03 10:00
`+closeWindows)
	q := FunnelQuery{Steps: steps("view", "cart", "buy")}
	for _, c := range []struct {
		user string
		q    FunnelQuery
		want []string
	}{
		{"u1", q, []string{"dropped: reached step 2 of 3 (cart)", "the next buy, at 2026-01-09 10:00:00.000, came after the window closed at 2026-01-08 10:00:00.000", "← step 1 (counted attempt)", "← step 2 (+5m)", "── window closes at 2026-01-08 10:00:00.000 ──"}},
		{"u2", FunnelQuery{Steps: q.Steps, Exclude: []Exclusion{{Event: "refund"}}}, []string{"dropped: reached step 1 of 3", "excluded: refund at 2026-01-01 10:01:00.000 came after step 1 and before step 3", "(excluded event)"}},
		{"u3", q, []string{"in progress: reached step 1 of 3", "window stays open until 2026-06-06"}},
		{"u4", q, []string{"not counted: did no view"}},
		{"u5", q, []string{"converted: all 3 steps", "(2m)"}},
		{"u6", q, []string{"reached step 2 of 3 (cart)", "10:00:00.000  view   ← step 1 (counted attempt)", "2026-01-03 10:00:00.000  view   (another step-1 attempt, reaching step 1)"}},
		{"u1", FunnelQuery{Steps: q.Steps, Mode: "strict"}, []string{"reached step 2 of 3"}},
	} {
		got, err := d.ExplainFunnel(context.Background(), c.q, c.user)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("explain %s: missing %q in\n%s", c.user, w, got)
			}
		}
	}
	if _, err := d.ExplainFunnel(context.Background(), q, "nobody"); err == nil {
		t.Error("explaining an unknown user gave no error")
	}
}

func TestFunnelExplainAnyOrder(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 buy  2026-01-01 10:00
u1 view 2026-01-01 10:30
u2 cart 2026-01-01 10:00
`+closeWindows)
	q := FunnelQuery{Steps: steps("view", "cart", "buy"), Mode: "any"}
	for user, want := range map[string]string{
		"u1": "did 2 of 3 steps within one window; missing cart before the window closed at 2026-01-08 10:00:00.000",
		"u2": "did 1 of 3 steps within one window; missing view, buy before",
	} {
		got, err := d.ExplainFunnel(context.Background(), q, user)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, want) {
			t.Errorf("explain %s: missing %q in\n%s", user, want, got)
		}
	}
}

func TestFunnelExplainStrictBreak(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view   2026-01-01 10:00
u1 search 2026-01-01 10:01
u1 cart   2026-01-01 10:02
`+closeWindows)
	got, err := d.ExplainFunnel(context.Background(), FunnelQuery{Steps: steps("view", "cart"), Mode: "strict"}, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "search at 2026-01-01 10:01:00.000 came right after step 1 and broke the strict chain") {
		t.Errorf("strict explanation:\n%s", got)
	}
}

func TestQuantileSelection(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for it := 0; it < 300; it++ {
		n := 1 + rng.Intn(500)
		ts := make([]int64, n)
		spread := []int64{1, 3, 1000, 1 << 40}[rng.Intn(4)] // few values: long runs of equal times
		for i := range ts {
			ts[i] = rng.Int63n(spread)
		}
		for _, q := range []float64{0.25, 0.5, 0.75} {
			want := deref(refQuantile(ts, q))
			if got := deref(quantileSeconds(ts, q)); got != want {
				t.Fatalf("n=%d q=%v: %s, want %s", n, q, got, want)
			}
		}
	}
}

// TestFunnelSplitMerge checks that persons split over several goroutines
// merge to exactly the single-range result (large data splits in two).
func TestFunnelSplitMerge(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	rng := rand.New(rand.NewSource(11))
	var evs []RawEvent
	for i := 0; i < 20000; i++ {
		evs = append(evs, RawEvent{
			User:  "u" + strconv.Itoa(rng.Intn(700)),
			Event: []string{"view", "cart", "buy", "search"}[rng.Intn(4)],
			Time:  base + rng.Int63n(40*86_400_000),
			Props: map[string]string{"src": []string{"ads", "seo", "mail"}[rng.Intn(3)]},
		})
	}
	d := NewDataset(evs, time.UTC)
	ctx := context.Background()
	for _, q := range []FunnelQuery{
		{Steps: steps("view", "cart", "buy"), Interval: "week", Common: Common{By: "src"}},
		{Steps: steps("view", "cart", "buy"), Mode: "any", Window: "2d"},
		{Steps: steps("view", "buy"), Mode: "strict", Exclude: []Exclusion{{Event: "search"}}},
	} {
		p, err := d.planFunnel(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		np := len(d.Users)
		one, err := p.runRanges(ctx, [][2]int{{0, np}})
		if err != nil {
			t.Fatal(err)
		}
		three, err := p.runRanges(ctx, [][2]int{{0, 100}, {100, 101}, {101, np}})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(three)
		if string(a) != string(b) || !slices.Equal(one.Level, three.Level) || !slices.Equal(one.InProgress, three.InProgress) {
			t.Fatalf("%+v: split result differs:\n%s\n%s", q, a, b)
		}
		if one.Steps[1].Users == 0 {
			t.Fatalf("%+v: nobody reached step 2; the data does not exercise the merge", q)
		}
	}
}

// TestFunnelLatestAttemptCounts pins the counted attempt: among attempts
// reaching the deepest step, the latest (PostHog's most recent entry). It
// sets the time to convert, the --by value and the trend bucket.
func TestFunnelLatestAttemptCounts(t *testing.T) {
	d := textTimeline(t, time.UTC, `
u1 view 2026-01-01 10:00 src=ads
u1 view 2026-01-02 10:00 src=seo
u1 cart 2026-01-03 10:00
u2 view 2026-01-01 10:00 src=ads
u2 cart 2026-01-01 11:00
u2 view 2026-01-20 10:00 src=mail
u2 cart 2026-01-20 10:30
`+closeWindows)
	r := fnRun(t, d, FunnelQuery{Steps: steps("view", "cart"), Interval: "week", Common: Common{By: "src"}})
	// u1: from the 2nd view, 1 day; u2: from the view of 01-20, 30 minutes.
	if got := *r.Steps[1].MedianSeconds; got != (86400+1800)/2 {
		t.Errorf("median %v s, want %v", got, (86400+1800)/2)
	}
	var vals []string
	for _, b := range r.Breakdown {
		vals = append(vals, b.Value+"="+fnStepUsers(b))
	}
	if got := strings.Join(vals, " "); got != "mail=1/1 seo=1/1" {
		t.Errorf("breakdown %s, want mail=1/1 seo=1/1", got)
	}
	var weeks []string
	for _, p := range r.Trend {
		if p.Users > 0 {
			weeks = append(weeks, p.T)
		}
	}
	if got := strings.Join(weeks, " "); got != "2025-12-29 2026-01-19" {
		t.Errorf("trend weeks %s, want 2025-12-29 2026-01-19", got)
	}
	if got := d.Time[r.Attempt[0]]; got != textTimeline(t, time.UTC, "x view 2026-01-02 10:00").Time[0] {
		t.Errorf("u1 counted attempt at %d", got)
	}
}
