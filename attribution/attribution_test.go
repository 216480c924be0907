package attribution

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

const hour = 3_600_000

// ev is an event at day d (fractional) for the timelines below.
func ev(user, name string, d float64, props ...string) query.RawEvent {
	e := query.RawEvent{User: user, Event: name, Time: int64(d * day), Props: map[string]string{}}
	for k := 0; k+1 < len(props); k += 2 {
		e.Props[props[k]] = props[k+1]
	}
	return e
}

// timeline is the hand-checked data. Every rule of the README has a case:
//
//	u1  A@0, B@1 and C@1 (same instant, C stored after B), a view without a
//	    touch @2, purchase 100 @3 carrying src Z (a conversion is never a
//	    touch), A@40, purchase 50 @45 (A@0..C@1 are outside its 30d lookback)
//	u2  purchase 30 @10 with no touch: (direct)
//	u3  A@5, A@6, B@7, purchase 10 @8, purchase 20 @9: both conversions use
//	    the same three touches, and linear adds A's two events up
//	u4  A@20, B@21, purchase 40 @22: two touches, position splits 50/50
//	u5  E one hour before the lookback, D exactly 30d before the purchase
//	    @130 (inside), F at the purchase's instant stored after it (at or
//	    before its time: a touch); the purchase has no revenue
func timeline() []query.RawEvent {
	return []query.RawEvent{
		ev("u1", "visit", 0, "src", "A"),
		ev("u1", "visit", 1, "src", "B"),
		ev("u1", "click", 1, "src", "C"),
		ev("u1", "view", 2),
		ev("u1", "purchase", 3, "src", "Z", "rev", "100"),
		ev("u1", "visit", 40, "src", "A"),
		ev("u1", "purchase", 45, "rev", "50"),
		ev("u2", "purchase", 10, "rev", "30"),
		ev("u3", "visit", 5, "src", "A"),
		ev("u3", "visit", 6, "src", "A"),
		ev("u3", "visit", 7, "src", "B"),
		ev("u3", "purchase", 8, "rev", "10"),
		ev("u3", "purchase", 9, "rev", "20"),
		ev("u4", "visit", 20, "src", "A"),
		ev("u4", "visit", 21, "src", "B"),
		ev("u4", "purchase", 22, "rev", "40"),
		ev("u5", "visit", 100-1.0/24, "src", "E"),
		ev("u5", "visit", 100, "src", "D"),
		ev("u5", "purchase", 130),
		ev("u5", "visit", 130, "src", "F"),
	}
}

type want struct {
	conv, rev float64
	users     int
}

func TestModelsHandChecked(t *testing.T) {
	d := query.NewDataset(timeline(), time.UTC)
	g := math.Exp2(-1.0 / 7) // a day's decay at a 7-day half-life
	d30 := math.Exp2(-30.0 / 7)
	cases := map[string]map[string]want{
		First: {
			"A": {5, 220, 3}, Direct: {1, 30, 1}, "D": {1, 0, 1},
		},
		Last: { // u1's first purchase: C, stored after B at the same instant
			"A": {1, 50, 1}, "B": {3, 70, 2}, "C": {1, 100, 1}, Direct: {1, 30, 1}, "F": {1, 0, 1},
		},
		Linear: {
			"A": {1.0/3 + 1 + 2.0/3 + 2.0/3 + 0.5, 100.0/3 + 50 + 20.0/3 + 40.0/3 + 20, 3},
			"B": {1.0/3 + 1.0/3 + 1.0/3 + 0.5, 100.0/3 + 10.0/3 + 20.0/3 + 20, 3},
			"C": {1.0 / 3, 100.0 / 3, 1}, "D": {0.5, 0, 1}, "F": {0.5, 0, 1}, Direct: {1, 30, 1},
		},
		Position: {
			"A": {0.4 + 1 + 0.6 + 0.6 + 0.5, 40 + 50 + 6 + 12 + 20, 3},
			"B": {0.2 + 0.4 + 0.4 + 0.5, 20 + 4 + 8 + 20, 3},
			"C": {0.4, 40, 1}, "D": {0.5, 0, 1}, "F": {0.5, 0, 1}, Direct: {1, 30, 1},
		},
		TimeDecay: func() map[string]want {
			a1, b1 := g/(g+2), 1/(g+2)               // u1 @3: ages 3d, 2d, 2d
			a3, b3 := (g*g+g)/(g*g+g+1), 1/(g*g+g+1) // u3 @8 and @9
			a4, b4 := g/(1+g), 1/(1+g)               // u4
			return map[string]want{
				"A":    {a1 + 1 + 2*a3 + a4, 100*a1 + 50 + 30*a3 + 40*a4, 3},
				"B":    {b1 + 2*b3 + b4, 100*b1 + 30*b3 + 40*b4, 3},
				"C":    {b1, 100 * b1, 1},
				"D":    {d30 / (1 + d30), 0, 1},
				"F":    {1 / (1 + d30), 0, 1},
				Direct: {1, 30, 1},
			}
		}(),
	}
	for _, model := range Models {
		t.Run(model, func(t *testing.T) {
			r, err := Compute(context.Background(), d, Query{Conversion: "purchase", Touch: "src", Model: model, Revenue: "rev"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Conversions != 7 || float64(r.Revenue) != 250 {
				t.Fatalf("totals %d conversions, %v revenue; want 7, 250", r.Conversions, r.Revenue)
			}
			checkRows(t, r, cases[model])
		})
	}
}

// checkRows compares the rows with the expected credit (to the billionth
// the credits are rounded to, and the revenue's micro-unit) and checks
// that the credits add up exactly.
func checkRows(t *testing.T, r *Result, w map[string]want) {
	t.Helper()
	if len(r.Rows) != len(w) {
		t.Errorf("%d rows %v, want %d", len(r.Rows), r.Rows, len(w))
	}
	var units, micro int64
	for _, row := range r.Rows {
		units += row.units
		micro += row.micro
		e, ok := w[row.Touch]
		if !ok {
			t.Errorf("unexpected row %+v", row)
			continue
		}
		if math.Abs(row.Conversions-e.conv) > 1e-8 || row.Users != e.users {
			t.Errorf("%s: %v conversions, %d users; want %v, %d", row.Touch, row.Conversions, row.Users, e.conv, e.users)
		}
		if r.Revenue.Valid() && math.Abs(float64(row.Revenue)-e.rev) > 1e-5 {
			t.Errorf("%s: revenue %v, want %v", row.Touch, row.Revenue, e.rev)
		}
	}
	if units != int64(r.Conversions)*unit {
		t.Errorf("credits add up to %d units, want %d", units, int64(r.Conversions)*unit)
	}
	if r.Revenue.Valid() && float64(micro) != float64(r.Revenue)*revenueScale {
		t.Errorf("revenue credits add up to %d micro-units, want %v", micro, r.Revenue)
	}
}

// TestLinearRounding: u1's 1/3 shares round to billionths and the spare
// unit goes to the earliest value, so the rows are exact decimals that add
// up to the conversions.
func TestLinearRounding(t *testing.T) {
	d := query.NewDataset(timeline()[:5], time.UTC)
	r, err := Compute(context.Background(), d, Query{Conversion: "purchase", Touch: "src", Model: Linear, Revenue: "rev"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for _, row := range r.Rows {
		got[row.Touch] = [2]float64{row.Conversions, float64(row.Revenue)}
	}
	w := map[string][2]float64{"A": {0.333333334, 33.333334}, "B": {0.333333333, 33.333333}, "C": {0.333333333, 33.333333}}
	for k, v := range w {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
}

// TestRangeWhereSegment: the range and --where pick the conversions; a
// touch before the range still counts.
func TestRangeWhereSegment(t *testing.T) {
	d := query.NewDataset(timeline(), time.UTC)
	q := Query{Conversion: "purchase", Touch: "src", Model: First, Revenue: "rev"}
	q.From, q.To = "1970-01-09", "1970-01-10" // days 8 and 9: u3's two purchases, touched from day 5
	r, err := Compute(context.Background(), d, q)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, r, map[string]want{"A": {2, 30, 1}})
	if r.From != "1970-01-09" || r.To != "1970-01-10" {
		t.Errorf("range %s..%s", r.From, r.To)
	}
	q.From, q.To = "", ""
	q.Where = []string{"rev > 35"} // u1's two purchases and u4's
	if r, err = Compute(context.Background(), d, q); err != nil {
		t.Fatal(err)
	}
	checkRows(t, r, map[string]want{"A": {3, 190, 2}})
	q.Where, q.By = nil, "src"
	if _, err := Compute(context.Background(), d, q); err == nil || !strings.Contains(err.Error(), "--by") {
		t.Errorf("--by: %v", err)
	}
}

func TestSpend(t *testing.T) {
	d := query.NewDataset(timeline(), time.UTC)
	spend, err := ReadSpend(strings.NewReader("source,date,cost\nA,1970-01-01,60\nA,1970-01-02,40\nB,1970-01-05,35\nG,1970-01-03,10\nA,1971-01-01,999\n"), "spend.csv")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(context.Background(), d, Query{Conversion: "purchase", Touch: "src", Model: Last, Revenue: "rev", Spend: spend})
	if err != nil {
		t.Fatal(err)
	}
	if r.SpendOutside != 1 {
		t.Errorf("%d spend rows outside, want 1 (1971)", r.SpendOutside)
	}
	rows := map[string]Row{}
	for _, row := range r.Rows {
		rows[row.Touch] = row
	}
	// A: 1 conversion, 50 revenue, cost 100: ROAS 0.5, ROI −50%.
	a := rows["A"]
	if a.Cost != 100 || a.CostPerConversion != 100 || a.ROAS != 0.5 || a.Return != -0.5 {
		t.Errorf("A: %+v", *a.ROI)
	}
	// B: 3 conversions, 70 revenue, cost 35: ROAS 2, ROI 100%.
	b := rows["B"]
	if b.Cost != 35 || math.Abs(float64(b.CostPerConversion)-35.0/3) > 1e-12 || b.ROAS != 2 || b.Return != 1 {
		t.Errorf("B: %+v", *b.ROI)
	}
	// G: spend only, nothing credited: cost per conversion undefined, ROI −100%.
	g, ok := rows["G"]
	if !ok || g.Cost != 10 || g.CostPerConversion.Valid() || g.Conversions != 0 || g.ROAS != 0 || g.Return != -1 {
		t.Errorf("G: %+v %+v", g, g.ROI)
	}
	// (direct): no cost, ratios undefined.
	if c := rows[Direct]; c.Cost != 0 || c.CostPerConversion != 0 || c.ROAS.Valid() || c.Return.Valid() {
		t.Errorf("direct: %+v", *c.ROI)
	}
}

func TestReadSpendErrors(t *testing.T) {
	for in, msg := range map[string]string{
		"A,2024-01-01\n":                   "line 1: 2 columns",
		"A,2024-01-01,5\nB,01/02/2024,5\n": "line 2: date \"01/02/2024\"",
		"A,2024-01-01,5\nB,2024-01-02,x\n": "line 2: cost \"x\"",
		"A,2024-01-01,-5\n":                "line 1: cost \"-5\"",
		"A,2024-01-01,NaN\n":               "line 1: cost \"NaN\"",
		",2024-01-01,5\n":                  "line 1: the touch value",
		"touch,date,cost\n":                "has no rows",
		"A,2024-01-01,\"5\n":               "line 1:",
	} {
		_, err := ReadSpend(strings.NewReader(in), "s.csv")
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", in, err, msg)
		}
	}
}

func TestSplitInt(t *testing.T) {
	shares := []share{{1, 333333334}, {2, 333333333}, {3, 333333333}}
	for _, total := range []int64{0, 1, 2, -2, 100_000_000, -7, math.MaxInt64 / 2} {
		parts := splitInt(total, shares)
		sum := int64(0)
		for _, p := range parts {
			sum += p
		}
		if sum != total {
			t.Errorf("%d split into %v", total, parts)
		}
	}
}

// TestCancelInsideOnePerson: one person with 30000 conversions among
// 30000 touches inside a long lookback is hundreds of millions of steps;
// a cancelled query stops inside that person, not after it.
func TestCancelInsideOnePerson(t *testing.T) {
	var evs []query.RawEvent
	for i := 0; i < 30_000; i++ {
		evs = append(evs, query.RawEvent{User: "bot", Event: "visit", Time: int64(i) * 1000, Props: map[string]string{"src": "A"}},
			query.RawEvent{User: "bot", Event: "purchase", Time: int64(i)*1000 + 1})
	}
	d := query.NewDataset(evs, time.UTC)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Compute(ctx, d, Query{Conversion: "purchase", Touch: "src", Model: Linear})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("stopped after %v", el)
	}
}

// TestRevenueTooLarge: revenue whose sum would overflow the exact
// integer credits is refused, not wrapped around.
func TestRevenueTooLarge(t *testing.T) {
	d := query.NewDataset([]query.RawEvent{
		ev("u1", "purchase", 1, "rev", "4e12"), ev("u2", "purchase", 1, "rev", "-4e12"), ev("u3", "purchase", 1, "rev", "4e12"),
	}, time.UTC)
	_, err := Compute(context.Background(), d, Query{Conversion: "purchase", Touch: "rev", Revenue: "rev"})
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("err %v", err)
	}
	d = query.NewDataset([]query.RawEvent{ev("u1", "purchase", 1, "rev", "4e12"), ev("u2", "purchase", 1, "rev", "-4e12")}, time.UTC)
	r, err := Compute(context.Background(), d, Query{Conversion: "purchase", Touch: "src", Revenue: "rev"})
	if err != nil || r.Revenue != 0 {
		t.Fatalf("%v %v", r, err)
	}
}
