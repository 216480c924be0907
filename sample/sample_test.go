package sample

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/store"
)

// rec is an event copied out of the generator, which reuses its buffers.
type rec struct {
	User, Name string
	Time       int64
	Props      map[string]any
}

func collect(t testing.TB, cfg Config) []rec {
	t.Helper()
	var out []rec
	err := Generate(context.Background(), cfg, func(e *store.Event) error {
		r := rec{User: e.User, Name: e.Name, Time: e.Time, Props: map[string]any{}}
		for _, p := range e.Props {
			r.Props[p.Key] = p.Value
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// streamHash hashes everything the generator emits, in order.
func streamHash(t *testing.T, cfg Config) (uint64, int) {
	t.Helper()
	h := xxhash.New()
	n := 0
	var buf []byte
	err := Generate(context.Background(), cfg, func(e *store.Event) error {
		buf = append(buf[:0], e.User...)
		buf = append(append(buf, 0), e.Name...)
		buf = append(append(buf, 0), fmt.Sprint(e.Time)...)
		buf = store.EncodeProps(append(buf, 0), e.Props)
		h.Write(append(buf, '\n'))
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum64(), n
}

func TestDeterministic(t *testing.T) {
	for _, sc := range Names() {
		t.Run(sc, func(t *testing.T) {
			cfg := Config{Scenario: sc, Users: 300, Days: 30, Seed: 7}
			a, n := streamHash(t, cfg)
			b, m := streamHash(t, cfg)
			if a != b || n != m {
				t.Fatalf("same seed gave different streams: %x/%d vs %x/%d", a, n, b, m)
			}
			cfg.Seed = 8
			c, _ := streamHash(t, cfg)
			if c == a {
				t.Fatalf("seeds 7 and 8 gave the same stream")
			}
			if n < 300 {
				t.Fatalf("only %d events for 300 users", n)
			}
		})
	}
}

func TestRangeOrderAndLimits(t *testing.T) {
	for _, sc := range Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			cfg := Config{Scenario: sc.Name, Users: 500, Days: 21, Seed: 3}
			r, err := Resolve(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The default end is 2026-07-01 00:00 in the scenario's zone.
			if got := time.UnixMilli(r.Stop).In(r.Loc).Format("2006-01-02 15:04"); got != "2026-07-01 00:00" {
				t.Fatalf("stop = %s", got)
			}
			if got := time.UnixMilli(r.Start).In(r.Loc).Format("2006-01-02 15:04"); got != "2026-06-10 00:00" {
				t.Fatalf("start = %s", got)
			}
			evs := collect(t, cfg)
			users := map[string]bool{}
			keys := map[string]bool{}
			for _, k := range sc.Keys {
				keys[k] = true
			}
			for i, e := range evs {
				if e.Time < r.Start || e.Time >= r.Stop {
					t.Fatalf("event %d at %s outside the range", i, time.UnixMilli(e.Time).UTC())
				}
				if i > 0 && evs[i-1].User == e.User && evs[i-1].Time > e.Time {
					t.Fatalf("user %s goes back in time at event %d", e.User, i)
				}
				if i > 0 && evs[i-1].User != e.User && users[e.User] {
					t.Fatalf("user %s's events are not contiguous", e.User)
				}
				users[e.User] = true
				for k := range e.Props {
					if !keys[k] {
						t.Fatalf("property %q missing from the scenario's Keys %v", k, sc.Keys)
					}
				}
			}
			if len(users) > 500 || len(users) < 450 {
				t.Fatalf("%d users for Users: 500", len(users))
			}
			for i := 1; i < len(sc.Keys); i++ {
				if sc.Keys[i-1] >= sc.Keys[i] {
					t.Fatalf("Keys not sorted: %v", sc.Keys)
				}
			}
		})
	}
}

func TestMaxEventsIsExact(t *testing.T) {
	for _, sc := range Names() {
		if n := len(collect(t, Config{Scenario: sc, MaxEvents: 12345, Seed: 1})); n != 12345 {
			t.Errorf("%s: %d events for MaxEvents 12345", sc, n)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	for _, cfg := range []Config{{Scenario: "shop"}, {TZ: "Mars/Olympus"}, {Users: -1}} {
		if _, err := Resolve(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := Resolve(Config{Scenario: "shop"}); err == nil || !strings.Contains(err.Error(), "ecommerce, saas, education") {
		t.Errorf("unknown scenario error does not list the scenarios: %v", err)
	}
}

// funnelUsers counts, per step, the users who did steps 1..k in order (each
// at or after the previous one), deliberately naively: one pass per user.
func funnelUsers(evs []rec, steps []string) []int {
	out := make([]int, len(steps))
	byUser := map[string][]rec{}
	var order []string
	for _, e := range evs {
		if _, ok := byUser[e.User]; !ok {
			order = append(order, e.User)
		}
		byUser[e.User] = append(byUser[e.User], e)
	}
	for _, u := range order {
		k := 0
		for _, e := range byUser[u] {
			if k < len(steps) && e.Name == steps[k] {
				k++
			}
		}
		for i := 0; i < k; i++ {
			out[i]++
		}
	}
	return out
}

func TestFunnelShapes(t *testing.T) {
	funnels := map[string][]string{
		"ecommerce": {"session_start", "view_item", "add_to_cart", "begin_checkout", "purchase"},
		"saas":      {"sign_up", "create_project", "invite_teammate", "upgrade"},
		"education": {"试听课", "注册", "首次付费", "续费"},
	}
	for _, sc := range Names() {
		t.Run(sc, func(t *testing.T) {
			evs := collect(t, Config{Scenario: sc, Users: 3000, Seed: 11})
			got := funnelUsers(evs, funnels[sc])
			t.Logf("%v", got)
			for i := range got {
				if got[i] == 0 {
					t.Fatalf("nobody reaches step %d (%s): %v", i+1, funnels[sc][i], got)
				}
				// Every step loses people, but not everyone.
				if i > 0 && (got[i] >= got[i-1] || got[i] < got[i-1]/20) {
					t.Fatalf("step %d: %d users after %d: %v", i+1, got[i], got[i-1], got)
				}
			}
		})
	}
}

func TestEducationIsChinese(t *testing.T) {
	evs := collect(t, Config{Scenario: "education", Users: 500, Seed: 2})
	names := map[string]bool{}
	cities := map[any]bool{}
	for _, e := range evs {
		if !utf8.ValidString(e.Name) {
			t.Fatalf("invalid UTF-8 name %q", e.Name)
		}
		names[e.Name] = true
		cities[e.Props["city"]] = true
	}
	for _, n := range []string{"试听课", "注册", "首次付费", "上课"} {
		if !names[n] {
			t.Errorf("no %s events", n)
		}
	}
	for _, c := range []string{"北京", "上海", "广州", "深圳"} {
		if !cities[c] {
			t.Errorf("no users in %s", c)
		}
	}
}

func TestEcommerceExperiment(t *testing.T) {
	evs := collect(t, Config{Scenario: "ecommerce", Users: 20000, Days: 90, Seed: 5})
	variant := map[string]string{}
	users := map[string]int{}
	checkout := map[string]map[string]bool{"control": {}, "treatment": {}}
	bought := map[string]map[string]bool{"control": {}, "treatment": {}}
	repeat := map[string]int{}
	for _, e := range evs {
		v, _ := e.Props["exp_checkout"].(string)
		if old, ok := variant[e.User]; ok && old != v {
			t.Fatalf("user %s switches variant %s -> %s", e.User, old, v)
		}
		if _, ok := variant[e.User]; !ok {
			users[v]++
		}
		variant[e.User] = v
		switch e.Name {
		case "begin_checkout":
			checkout[v][e.User] = true
		case "purchase":
			if checkout[v][e.User] {
				bought[v][e.User] = true
			}
			repeat[e.User]++
			if r, ok := e.Props["revenue"].(float64); !ok || r <= 0 {
				t.Fatalf("purchase without a positive revenue: %v", e.Props)
			}
		}
	}
	if len(users) != 2 {
		t.Fatalf("variants: %v", users)
	}
	share := float64(users["treatment"]) / float64(users["treatment"]+users["control"])
	if share < 0.47 || share > 0.53 {
		t.Fatalf("treatment share %.3f, want about half (%v)", share, users)
	}
	rate := func(v string) float64 { return float64(len(bought[v])) / float64(len(checkout[v])) }
	t.Logf("checkout->purchase: control %.3f treatment %.3f", rate("control"), rate("treatment"))
	if d := rate("treatment") - rate("control"); d < 0.02 || d > 0.15 {
		t.Fatalf("treatment lift %.3f, want a modest positive one", d)
	}
	repeaters := 0
	for _, n := range repeat {
		if n > 1 {
			repeaters++
		}
	}
	if repeaters < len(repeat)/20 {
		t.Fatalf("only %d of %d buyers bought twice", repeaters, len(repeat))
	}
}

// TestRhythms checks the weekly seasonality (shops busier at the weekend,
// work software quieter), retention decay (fewer active users weeks after
// the first visit) and that some users start a funnel several times.
func TestRhythms(t *testing.T) {
	visits := map[string]string{"ecommerce": "session_start", "saas": "login", "education": "上课"}
	perDay := map[string][7]float64{}
	for _, sc := range Scenarios {
		r, _ := Resolve(Config{Scenario: sc.Name})
		evs := collect(t, Config{Scenario: sc.Name, Users: 4000, Days: 56, Seed: 9})
		var counts [7]float64
		first := map[string]int64{}
		active := map[string][2]bool{}
		starts := map[string]int{}
		for _, e := range evs {
			if e.Name == visits[sc.Name] {
				counts[time.UnixMilli(e.Time).In(r.Loc).Weekday()]++
			}
			if _, ok := first[e.User]; !ok {
				first[e.User] = e.Time
			}
			a := active[e.User]
			switch age := (e.Time - first[e.User]) / day; {
			case age < 7:
				a[0] = true
			case age >= 21 && age < 28:
				a[1] = true
			}
			active[e.User] = a
			if e.Name == visits[sc.Name] {
				starts[e.User]++
			}
		}
		perDay[sc.Name] = counts
		week0, week3 := 0, 0
		for _, a := range active {
			if a[0] {
				week0++
			}
			if a[1] {
				week3++
			}
		}
		if week3 == 0 || week3 > week0/2 {
			t.Errorf("%s: %d users active in their first week, %d in their fourth: want decay", sc.Name, week0, week3)
		}
		multi := 0
		for _, n := range starts {
			if n > 1 {
				multi++
			}
		}
		if multi < len(starts)/20 {
			t.Errorf("%s: only %d of %d users visit more than once", sc.Name, multi, len(starts))
		}
	}
	weekend := func(c [7]float64) float64 { return (c[0] + c[6]) / 2 / ((c[1] + c[2] + c[3] + c[4] + c[5]) / 5) }
	if w := weekend(perDay["ecommerce"]); w < 1.1 {
		t.Errorf("ecommerce weekend/weekday visit ratio %.2f, want busier weekends", w)
	}
	if w := weekend(perDay["saas"]); w > 0.6 {
		t.Errorf("saas weekend/weekday visit ratio %.2f, want quiet weekends", w)
	}
	if w := weekend(perDay["education"]); w < 1.2 {
		t.Errorf("education weekend/weekday lesson ratio %.2f, want weekend lessons", w)
	}
}

// TestDSTRange runs a scenario across a daylight-saving change: every
// event stays inside the local calendar range and each user's clock only
// moves forward, although one local day has 23 hours.
func TestDSTRange(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no timezone data:", err)
	}
	end := time.Date(2026, 3, 15, 0, 0, 0, 0, ny)
	cfg := Config{Scenario: "saas", Users: 400, Days: 14, Seed: 6, TZ: "America/New_York", End: end}
	evs := collect(t, cfg)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, ny).UnixMilli()
	for i, e := range evs {
		if e.Time < from || e.Time >= end.UnixMilli() {
			t.Fatalf("event %d at %s outside [2026-03-01, 2026-03-15) New York", i, time.UnixMilli(e.Time).In(ny))
		}
		if i > 0 && evs[i-1].User == e.User && evs[i-1].Time > e.Time {
			t.Fatalf("user %s goes back in time at event %d", e.User, i)
		}
	}
	if len(evs) < 400 {
		t.Fatalf("%d events", len(evs))
	}
}

// TestSaleSpike checks the 618 sale: on 2026-06-18 about twice as many
// shoppers arrive as on a usual day, and none are promo users when the
// range does not hold the date.
func TestSaleSpike(t *testing.T) {
	evs := collect(t, Config{Scenario: "ecommerce", Users: 4000, Seed: 12})
	newPerDay := map[string]int{}
	seen := map[string]bool{}
	promo := 0
	for _, e := range evs {
		if !seen[e.User] {
			seen[e.User] = true
			day := time.UnixMilli(e.Time).UTC().Format("2006-01-02")
			newPerDay[day]++
			if e.Props["utm_source"] == "promo_618" {
				promo++
				if day != "2026-06-18" {
					t.Fatalf("promo user %s arrives on %s", e.User, day)
				}
			}
		}
	}
	var others []int
	for day, n := range newPerDay {
		if day != "2026-06-18" {
			others = append(others, n)
		}
	}
	sort.Ints(others)
	median := others[len(others)/2]
	if spike := newPerDay["2026-06-18"]; spike < 2*median || promo < 100 {
		t.Fatalf("2026-06-18: %d new users (%d promo), median day %d", spike, promo, median)
	}
	for _, e := range collect(t, Config{Scenario: "ecommerce", Users: 2000, Seed: 12, End: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}) {
		if e.Props["utm_source"] == "promo_618" {
			t.Fatalf("promo user %s in a range without June 18", e.User)
		}
	}
}

// TestDefaultFollowsLanguage: spoor demo and the workbench with no
// database open the education sample (Chinese events) under a Chinese
// interface, ecommerce otherwise.
func TestDefaultFollowsLanguage(t *testing.T) {
	defer i18n.Set(i18n.Current())
	for l, want := range map[i18n.Lang]string{i18n.Chinese: "education", i18n.English: "ecommerce"} {
		i18n.Set(l)
		if got := Default(); got != want {
			t.Errorf("%s: default sample %q, want %s", l, got, want)
		}
	}
}
