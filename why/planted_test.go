package why

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// shop generates 28 days of a shop's users reaching checkout. broken says
// whether a user's checkout fails from day 15 on; keep is the chance that
// any checkout still happens from day 15 (1: no general drop).
func shop(seed int64, broken func(device, version string) bool, keep float64) []query.RawEvent {
	r := rand.New(rand.NewSource(seed))
	var ev []query.RawEvent
	for u := 0; u < 1500; u++ {
		device := []string{"ios", "ios", "android", "android", "web"}[r.Intn(5)]
		version := []string{"3.0", "3.1", "3.2", "3.2"}[r.Intn(4)]
		if device == "web" {
			version = "web"
		}
		props := map[string]string{"device": device, "app_version": version, "country": []string{"US", "DE", "CN", "BR", "JP"}[r.Intn(5)], "user_id": fmt.Sprint("id", u)}
		for d := 1; d <= 28; d++ {
			for k := 0; k < 3; k++ {
				if r.Float64() >= 0.15 {
					continue
				}
				at := time.Date(2026, 6, d, 8+r.Intn(12), r.Intn(60), 0, 0, time.UTC).UnixMilli()
				ev = append(ev, query.RawEvent{User: fmt.Sprint("u", u), Event: "page_view", Time: at, Props: props})
				if d >= 15 && (broken(device, version) || r.Float64() >= keep) {
					continue
				}
				ev = append(ev, query.RawEvent{User: fmt.Sprint("u", u), Event: "begin_checkout", Time: at + 60000, Props: props})
			}
		}
	}
	return ev
}

var planted = Query{Events: []string{"begin_checkout"}, Before: []Period{{"2026-06-08", "2026-06-14"}}, After: Period{"2026-06-15", "2026-06-21"},
	Keys: []string{"device", "app_version", "country", "user_id"}}

// Only android on 3.2 stops reaching checkout: that pair (or one of its
// values) comes first, with most of the drop, and it is named. The
// high-cardinality user_id stays out of the way.
func TestFindsPlantedCause(t *testing.T) {
	for _, measure := range []string{"total", "users"} {
		d := query.NewDataset(shop(1, func(dv, v string) bool { return dv == "android" && v == "3.2" }, 1), time.UTC)
		q := planted
		q.Measure = measure
		r, err := Analyze(ctx, d, q)
		if err != nil {
			t.Fatal(err)
		}
		top := r.Contributors[0]
		if top.Property != "device,app_version" || top.Value != "android,3.2" {
			t.Errorf("%s: top is %s = %s", measure, top.Property, top.Value)
		}
		if *top.Share < 0.8 || !top.Significant || !r.Explained || !strings.Contains(r.Verdict, "android,3.2 explains") {
			t.Errorf("%s: share %.2f significant %v: %s", measure, *top.Share, top.Significant, r.Verdict)
		}
		if r.Drill == nil || r.Drill.Value != "android,3.2" || r.Drill.Users < 100 || r.Drill.Top[0].After != 0 {
			t.Errorf("%s: drill %+v", measure, r.Drill)
		}
		for _, c := range r.Contributors[:5] {
			if c.Property == "user_id" {
				t.Errorf("%s: a user id ranks among the top: %+v", measure, c)
			}
		}
	}
}

// When every user checks out 30% less, no value explains the drop.
func TestSpreadEvenlyExplainsNothing(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		d := query.NewDataset(shop(seed, func(string, string) bool { return false }, 0.7), time.UTC)
		r, err := Analyze(ctx, d, planted)
		if err != nil {
			t.Fatal(err)
		}
		if r.Change > -0.2*r.Before {
			t.Fatalf("the drop is %v of %v", r.Change, r.Before)
		}
		if r.Explained || !strings.HasPrefix(r.Verdict, "no single value explains the change") {
			t.Errorf("seed %d: %s", seed, r.Verdict)
		}
		for _, c := range r.Contributors {
			if c.Significant {
				t.Errorf("seed %d: %s = %s significant (p %v)", seed, c.Property, c.Value, *c.P)
			}
		}
	}
}
