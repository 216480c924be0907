package segment

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTierGrid(t *testing.T) {
	cases := []struct {
		r, f, m int
		want    string
	}{
		{5, 5, 5, "champions"},
		{5, 3, 4, "champions"}, // fm = round(3.5) = 4
		{5, 3, 3, "potential loyalists"},
		{5, 1, 1, "new"},
		{5, 1, 2, "potential loyalists"}, // fm = round(1.5) = 2
		{4, 4, 4, "loyal"},
		{4, 1, 1, "new"},
		{3, 5, 5, "loyal"},
		{3, 3, 3, "potential loyalists"},
		{3, 2, 2, "hibernating"},
		{2, 3, 3, "at risk"},
		{2, 5, 4, "can't lose"},
		{2, 1, 1, "hibernating"},
		{1, 4, 4, "at risk"},
		{1, 5, 5, "can't lose"},
		{1, 2, 2, "lost"},
		{1, 1, 2, "lost"},
	}
	for _, c := range cases {
		if got := Tier(c.r, c.f, c.m); got != c.want {
			t.Errorf("Tier(%d,%d,%d) = %s, want %s", c.r, c.f, c.m, got, c.want)
		}
	}
	// Every cell is a named tier.
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			if !strings.Contains(strings.Join(TierNames, "|"), tierGrid[r-1][fm-1]) {
				t.Errorf("cell %d,%d = %q", r, fm, tierGrid[r-1][fm-1])
			}
		}
	}
}

func TestQuintiles(t *testing.T) {
	cases := []struct {
		in   []float64
		want string
	}{
		{[]float64{1, 2, 3, 4, 5}, "[1 2 3 4 5]"},
		{[]float64{5, 4, 3, 2, 1}, "[5 4 3 2 1]"},
		{[]float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, "[1 1 2 2 3 3 4 4 5 5]"},
		// Ties share the score of the lowest of them.
		{[]float64{1, 1, 1, 1, 5}, "[1 1 1 1 5]"},
		{[]float64{5, 1, 1, 1, 1}, "[5 1 1 1 1]"},
		{[]float64{7}, "[1]"},
		{[]float64{2, 2, 2}, "[1 1 1]"},
		{[]float64{-3, -1, -1, -2}, "[1 3 3 2]"},
		// Boundaries: with 6 values, 5 × worse / 6 crosses a whole number at 2, 3 and 5.
		{[]float64{1, 2, 3, 4, 5, 6}, "[1 1 2 3 4 5]"},
	}
	for _, c := range cases {
		if got := fmt.Sprint(quintiles(c.in)); got != c.want {
			t.Errorf("quintiles(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestRFM(t *testing.T) {
	// Five customers with distinct recency, frequency and monetary ranks
	// land on the grid's diagonal; n1 never paid. Last event 03-31.
	var b strings.Builder
	buy := func(user string, day, times int, each int) {
		for k := 0; k < times; k++ {
			fmt.Fprintf(&b, "%s 2026-03-%02dT%02d:00 purchase revenue=%d\n", user, day, 8+k, each)
		}
	}
	buy("c1", 31, 5, 100) // R 0 days, F 5, M 500
	buy("c2", 30, 4, 100) // 1 day, 4, 400
	buy("c3", 21, 3, 100) // 10 days, 3, 300
	buy("c4", 11, 2, 100) // 20 days, 2, 200
	buy("c5", 1, 1, 100)  // 30 days, 1, 100
	b.WriteString("c5 2026-03-02T10:00 purchase\n")
	b.WriteString("n1 2026-03-31T23:00 page_view\n")
	_, d := timeline(t, time.UTC, b.String())
	rep, users, err := RFM(context.Background(), d, RFMOptions{Revenue: "revenue"})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, u := range users {
		got = append(got, fmt.Sprintf("%s:%d%d%d:%s:%d/%d/%g", u.User, u.R, u.F, u.M, u.Tier, u.RecencyDays, u.Frequency, u.Monetary))
	}
	want := "c1:555:champions:0/5/500 c2:444:loyal:1/4/400 c3:333:potential loyalists:10/3/300 c4:222:hibernating:20/2/200 c5:111:lost:30/1/100"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if rep.Customers != 5 || rep.NonCustomers != 1 || rep.Tiers[0].Users != 1 || rep.Tiers[0].Share != 0.2 {
		t.Errorf("report %+v", rep)
	}
	// With --event, the purchase without revenue counts (as 0) and moves
	// c5's recency to 03-02: 29 days.
	_, users, err = RFM(context.Background(), d, RFMOptions{Revenue: "revenue", Event: "purchase"})
	if err != nil {
		t.Fatal(err)
	}
	if u := users[4]; u.User != "c5" || u.Frequency != 2 || u.RecencyDays != 29 || u.Monetary != 100 {
		t.Errorf("c5 with --event: %+v", u)
	}
	if _, _, err := RFM(context.Background(), d, RFMOptions{Revenue: "price"}); err == nil || !strings.Contains(err.Error(), `no event has a numeric "price" property`) {
		t.Errorf("missing revenue: %v", err)
	}
}

func TestStages(t *testing.T) {
	// Window 7 days, last event 03-31: recent [03-25, 04-01), before [03-18, 03-25).
	_, d := timeline(t, time.UTC, `
n1 2026-03-26T10:00 e
n2 2026-03-25T00:00 e
a1 2026-03-20T10:00 e
a1 2026-03-28T10:00 e
a2 2026-03-24T23:59 e
a2 2026-03-30T10:00 e
r1 2026-03-01T10:00 e
r1 2026-03-29T10:00 e
d1 2026-03-10T10:00 e
d1 2026-03-20T10:00 e
d2 2026-03-18T00:00 e
c1 2026-03-17T23:59 e
z 2026-03-31T12:00 e
`)
	st := Stages(d, 7)
	var got []string
	for p, s := range st {
		got = append(got, d.Users[p]+":"+StageNames[s])
	}
	want := "n1:new n2:new a1:active a2:active r1:returning d1:dormant d2:dormant c1:churned z:new"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	rep, err := StageSummary(d, 7, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.Stages) != "[{new 3 0.3333333333333333} {active 2 0.2222222222222222} {returning 1 0.1111111111111111} {dormant 2 0.2222222222222222} {churned 1 0.1111111111111111}]" {
		t.Errorf("summary %v", rep.Stages)
	}
	rep, err = StageSummary(d, 7, true, "dormant")
	if err != nil || fmt.Sprint(rep.Users) != "[{d1 dormant} {d2 dormant}]" {
		t.Errorf("dormant users %v %v", rep.Users, err)
	}
	if _, err := stageMembers(d, "sleepy", 7, dataZone(d)); err == nil || !strings.Contains(err.Error(), "new, active, returning, dormant, churned") {
		t.Errorf("unknown stage: %v", err)
	}
}
