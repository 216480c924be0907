package query

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestSpecRoundTripJSONAndTOML(t *testing.T) {
	q := FunnelQuery{Common: Common{Last: "30d", Where: []string{"country = CN"}}, Steps: []FunnelStep{{Event: "view"}, {Event: "buy"}}, Window: "1d"}
	js, err := json.Marshal(Spec{Analysis: "funnel", Query: q})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(js), `{"analysis":"funnel",`) {
		t.Fatalf("json %s", js)
	}
	back, err := Builtin().ParseSpec(js)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Query.(*FunnelQuery)
	if got.Last != "30d" || got.Where[0] != "country = CN" || got.Steps[1].Event != "buy" || got.Window != "1d" {
		t.Fatalf("round trip lost fields: %+v", got)
	}
	tomlSpec := "analysis = \"retention\"\nname = \"weekly\"\nperiod = \"week\"\nstart = \"注册\"\nunbounded = true\nlast = \"12w\"\n"
	r, err := Builtin().ParseSpec([]byte(tomlSpec))
	if err != nil {
		t.Fatal(err)
	}
	rq := r.Query.(*RetentionQuery)
	if r.Analysis != "retention" || rq.Period != "week" || rq.Start != "注册" || !rq.Unbounded || rq.Last != "12w" {
		t.Fatalf("toml spec: %+v", rq)
	}
}

func TestSpecErrors(t *testing.T) {
	for in, want := range map[string]string{
		`{"analysis":"funnel","stpes":["a"]}`: `unknown field "stpes"`,
		`{"steps":["a"]}`:                     `spec needs "analysis"`,
		`{"analysis":"funnel",`:               `read spec as JSON`,
		"analysis = ":                         `read spec as TOML`,
	} {
		_, err := Builtin().ParseSpec([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Builtin().ParseSpec(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestSpecRunsEveryAnalysis(t *testing.T) {
	d := NewDataset([]RawEvent{
		{User: "a", Event: "view", Time: 1_767_225_600_000},
		{User: "a", Event: "buy", Time: 1_767_225_660_000},
		{User: "b", Event: "view", Time: 1_767_312_000_000},
	}, time.UTC)
	specs := map[string]string{
		"trends":    `{"analysis":"trends","measure":"users"}`,
		"funnel":    `{"analysis":"funnel","steps":[{"event":"view"},{"event":"buy"}]}`,
		"paths":     `{"analysis":"paths","from_event":"view"}`,
		"retention": `{"analysis":"retention"}`,
		"lifecycle": `{"analysis":"lifecycle"}`,
	}
	for kind, js := range specs {
		s, err := Builtin().ParseSpec([]byte(js))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		res, err := s.Run(context.Background(), d)
		if err != nil || res == nil {
			t.Fatalf("%s: run: %v", kind, err)
		}
	}
	if len(specs) != len(Builtin()) {
		t.Fatalf("test covers %d analyses, there are %d", len(specs), len(Builtin()))
	}
}

func TestRangeOutsideTheDataIsEmpty(t *testing.T) {
	d := NewDataset([]RawEvent{{User: "a", Event: "view", Time: 1_767_225_600_000}}, time.UTC)
	for _, c := range []Common{{From: "2030-01-01"}, {To: "2020-01-01"}} {
		s, err := d.Resolve(context.Background(), c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if s.InRange(d.Time[0]) || s.To != s.From {
			t.Fatalf("%+v: range [%d, %d) not empty", c, s.From, s.To)
		}
	}
	if _, err := d.Resolve(context.Background(), Common{From: "2026-02-01", To: "2026-01-01"}); err == nil {
		t.Fatal("a range given backwards must be an error")
	}
}
