package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/query"
)

// Every variant's members agree with its counts, with weights and
// filters on a random timeline.
func TestMembersMatchCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var evs []query.RawEvent
	for i := range 500 {
		u := fmt.Sprintf("u%d", i)
		at := t0 + rng.Int64N(20*day)
		evs = append(evs, ev(u, "view", at, "exp", []string{"A", "B", "C"}[rng.IntN(3)]))
		for range rng.IntN(4) {
			evs = append(evs, ev(u, []string{"goal", "view"}[rng.IntN(2)], at+rng.Int64N(10*day)-day))
		}
	}
	d := query.NewDataset(evs, time.UTC)
	q := Query{Variant: "exp", Goal: "goal", Window: "10d", Weights: []Weight{{Share: 60}, {Share: 20}, {Share: 20}}}
	r, err := Run(context.Background(), d, q)
	if err != nil {
		t.Fatal(err)
	}
	anyOpen := 0
	for _, v := range r.Variants {
		anyOpen += v.InProgress
		ms, err := Members(context.Background(), d, q, v.Name)
		if err != nil {
			t.Fatal(err)
		}
		conv, open := 0, 0
		for _, m := range ms {
			if m.InProgress {
				open++
				if m.Converted || m.Exposed+10*day <= d.MaxTime {
					t.Errorf("%s: in progress %+v", v.Name, m)
				}
			}
			if m.Converted {
				conv++
				if m.At < m.Exposed {
					t.Errorf("%s converted before exposure: %+v", v.Name, m)
				}
			} else if m.At != 0 {
				t.Errorf("%s: not converted with a time: %+v", v.Name, m)
			}
		}
		if len(ms) != v.Users || conv != v.Conversions || open != v.InProgress {
			t.Errorf("%s: %d members %d converted %d in progress; counts %d, %d and %d", v.Name, len(ms), conv, open, v.Users, v.Conversions, v.InProgress)
		}
	}
	if anyOpen == 0 {
		t.Error("no user in progress: the timeline does not test it")
	}
}

func TestParseWeights(t *testing.T) {
	for in, want := range map[string][]Weight{
		"":              nil,
		"even":          nil,
		" Even ":        nil,
		"90/10":         {{Share: 90}, {Share: 10}},
		"50,25,25":      {{Share: 50}, {Share: 25}, {Share: 25}},
		"50%, 50%":      {{Share: 0.5}, {Share: 0.5}},
		"A=90,B=10":     {{Name: "A", Share: 90}, {Name: "B", Share: 10}},
		"A = 90 / B=10": {{Name: "A", Share: 90}, {Name: "B", Share: 10}},
	} {
		got, err := ParseWeights(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseWeights(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, part := range map[string]string{"90/0": "0", "50,-50": "-50", "x/1": "x", "/": "", "1,,": "", "inf,1": "inf"} {
		_, err := ParseWeights(in)
		if err == nil || !strings.Contains(err.Error(), "cannot read") || !strings.Contains(err.Error(), `"`+part+`"`) {
			t.Errorf("ParseWeights(%q): %v, want cannot read %q", in, err, part)
		}
	}
}

// BenchmarkMembers lists one variant of a 100,000-user test: the scan of
// Run plus one record per exposed user.
func BenchmarkMembers(b *testing.B) {
	d := benchDataset(100_000)
	ctx := context.Background()
	q := Query{Variant: "exp", Goal: "purchase"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Members(ctx, d, q, "treatment"); err != nil {
			b.Fatal(err)
		}
	}
}
