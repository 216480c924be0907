package segment

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// A user whose usual gap is longer than the window is not at risk for an
// empty window alone, and becomes so only as the silence outgrows the gap.
func TestChurnLongGapNotYetLate(t *testing.T) {
	var scores []float64
	for _, silent := range []int{5, 16, 30, 60} {
		var evs []query.RawEvent
		last := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for k := 0; k < 8; k++ { // every 20 days: g = (7 × 20 + 14) / 9 = 17.1
			evs = append(evs, query.RawEvent{User: "u", Event: "e", Time: last.AddDate(0, 0, -20*k).UnixMilli()})
		}
		evs = append(evs, query.RawEvent{User: "z", Event: "e", Time: last.AddDate(0, 0, silent).UnixMilli()})
		rep, err := Churn(context.Background(), query.NewDataset(evs, time.UTC), ChurnOptions{WindowDays: 14, BaselineDays: 56})
		if err != nil || len(rep.Users) != 1 {
			t.Fatalf("silent %d: %+v %v", silent, rep, err)
		}
		scores = append(scores, rep.Users[0].Score)
	}
	g := 154.0 / 9
	x := func(silent float64, fell float64) float64 {
		v := max(0, silent-g)/g + fell*min(1, 14/g)
		return v / (1 + v)
	}
	// Silent 5 days: seen in the window, one event in 14 days against 3 in
	// 56 (a 20-day habit): ratio (1/14)/(3/56) = 4/3, no fall, score 0.
	// Silent 16: window empty but not yet late: 14/g of a fall.
	want := []float64{0, x(16, 1), x(30, 1), x(60, 1)}
	for i := range want {
		if math.Abs(scores[i]-want[i]) > 1e-12 {
			t.Errorf("scores %v, want %v", scores, want)
			break
		}
	}
	if scores[1] > 0.5 || !(scores[1] < scores[2] && scores[2] < scores[3]) {
		t.Errorf("scores %v: not late should stay low, and the score grow with the silence", scores)
	}
}

// The worked example of docs/segments.md.
func TestChurnDocsExample(t *testing.T) {
	for _, c := range []struct {
		in      churnInput
		score   float64
		signals string
	}{
		{churnInput{window: 14, silent: 29, usualGap: 2.5, gaps: 10}, 0.899, "silent 29d, expected gap 3.3d: 7.9 gaps overdue; activity fell 100%"},
		{churnInput{window: 14, silent: 14, usualGap: 5, gaps: 4}, 0.712, "silent 14d, expected gap 5.7d: 1.5 gaps overdue; activity fell 100%"},
		{churnInput{window: 14, silent: 11, usualGap: 21, gaps: 5}, 0.452, "activity fell 100%, counted 82% (window shorter than the expected gap)"},
	} {
		score := churnScore(&c.in)
		if signals := (ChurnUser{signals: churnSignals(&c.in)}).SignalsText(i18n.English); math.Abs(score-c.score) > 5e-4 || signals != c.signals {
			t.Errorf("%+v: score %.4f, signals %q; want %.3f %q", c.in, score, signals, c.score, c.signals)
		}
	}
}

// Persons scored in parts (ChurnScorer.Rank and Merge, as a backend
// reading parts at once does) rank as when scored by one scorer: many
// users tie on score and days since last seen, and are then ranked by id.
func TestChurnScorerMerge(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	loc := time.UTC
	lo := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).UnixMilli()
	hi := lo + 100*86_400_000
	for it := range 50 {
		var persons []ChurnPerson
		for u := range rng.Intn(300) {
			p := ChurnPerson{User: "u" + strconv.Itoa(rng.Intn(1000)) + "-" + strconv.Itoa(u), Recent: rng.Intn(3), Baseline: 1 + rng.Intn(4), KeyAt: -1}
			for d := int64(rng.Intn(20)); d < 100; d += 1 + int64(rng.Intn(30)) {
				p.Days = append(p.Days, lo+d*86_400_000)
			}
			if len(p.Days) > 0 && rng.Intn(2) == 0 {
				p.KeyAt, p.KeyEvent = p.Days[len(p.Days)-1], "buy"
			}
			persons = append(persons, p)
		}
		opt := ChurnOptions{MinScore: []float64{0, 0.5}[rng.Intn(2)], Top: []int{0, 3, 1000}[rng.Intn(3)]}
		want, _ := json.Marshal(ChurnFromPersons(opt, loc, lo, hi, persons))
		scorers := make([]*ChurnScorer, 1+rng.Intn(5))
		for i := range scorers {
			scorers[i] = NewChurnScorer(opt, loc, lo, hi)
		}
		for _, p := range persons {
			scorers[rng.Intn(len(scorers))].Add(p)
		}
		for i, s := range scorers {
			if rng.Intn(2) == 0 {
				s.Rank()
			}
			if i > 1 && rng.Intn(2) == 0 {
				scorers[1].Merge(s) // merged into one merged later
				scorers[i] = nil
			}
		}
		for _, s := range scorers[1:] {
			if s != nil {
				scorers[0].Merge(s)
			}
		}
		if got, _ := json.Marshal(scorers[0].Report()); string(got) != string(want) {
			t.Fatalf("dataset %d, %d scorers, %+v:\n got %s\nwant %s", it, len(scorers), opt, got, want)
		}
	}
}

// churnRisk is the ranking riskOf keeps, on the users themselves: by
// score, then days since last seen, highest first, then by id.
func churnRisk(a, b *ChurnUser) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(b.DaysSinceLastSeen, a.DaysSinceLastSeen); c != 0 {
		return c
	}
	return strings.Compare(a.User, b.User)
}

// TestRiskOfRanking: riskOf, on the references' keys, orders every pair
// of users as churnRisk does, scores at the floats' edges (NaN, ±0, ±Inf,
// the smallest and largest), ties of score and days, and users of one
// first 8 bytes included.
func TestRiskOfRanking(t *testing.T) {
	scores := []float64{math.NaN(), math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 0.25, 0.5, 0.5000000000000001, 0.8, 1, math.MaxFloat64, math.Inf(1)}
	c := &churnCount{}
	var users []ChurnUser
	for i, s := range scores {
		for d := range 3 {
			// Texts the first 8 bytes do not tell apart, and a NUL byte.
			for _, u := range []string{"a", "a\x00", "b", "abcdefgh", "abcdefgh\x00", "abcdefghij"} {
				users = append(users, ChurnUser{User: u + strconv.Itoa(i), Score: s, DaysSinceLastSeen: d})
			}
		}
	}
	c.users = [][]ChurnUser{users}
	c.rank()
	for i, a := range c.ranked {
		for _, b := range c.ranked {
			want := churnRisk(c.at(a), c.at(b))
			if got := riskOf(c, a, c, b); got != want {
				t.Fatalf("%+v against %+v: %d, want %d", *c.at(a), *c.at(b), got, want)
			}
		}
		if i > 0 && churnRisk(c.at(c.ranked[i-1]), c.at(a)) >= 0 {
			t.Fatalf("ranked %+v before %+v", *c.at(c.ranked[i-1]), *c.at(a))
		}
	}
}
