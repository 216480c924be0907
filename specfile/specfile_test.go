package specfile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spoorhq/spoor/experiment"
	"github.com/spoorhq/spoor/query"
)

func TestExperimentSpecRuns(t *testing.T) {
	spec, err := Parse([]byte(`{"analysis":"experiment","variant":"v","goal":"buy","window":"1d"}`))
	if err != nil {
		t.Fatal(err)
	}
	d := query.NewDataset([]query.RawEvent{
		{User: "a", Event: "see", Time: 1000, Props: map[string]string{"v": "control"}},
		{User: "a", Event: "buy", Time: 2000},
		{User: "b", Event: "see", Time: 1000, Props: map[string]string{"v": "treatment"}},
	}, time.UTC)
	res, err := spec.Run(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	r := res.(*experiment.Result)
	if len(r.Variants) != 2 {
		t.Fatalf("%d variants, want 2", len(r.Variants))
	}
	for _, v := range r.Variants {
		want := 0
		if v.Name == "control" {
			want = 1
		}
		if v.Users != 1 || v.Conversions != want {
			t.Fatalf("variant %s: %d users %d conversions", v.Name, v.Users, v.Conversions)
		}
	}
}

// Every kind a spec may name parses, whatever was imported or initialised
// first: query's five, experiment, survival and attribution.
func TestAnalysesNamed(t *testing.T) {
	if got := strings.Join(Analyses().Names(), " "); got != "attribution experiment funnel lifecycle paths retention survival trends" {
		t.Errorf("analyses: %s", got)
	}
	if _, err := query.Builtin().ParseSpec([]byte(`{"analysis":"experiment"}`)); err == nil {
		t.Error("query alone knows experiments")
	}
}
