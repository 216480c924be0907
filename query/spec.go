package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spoorhq/spoor/i18n"
)

// Spec is a saved analysis (docs/semantics.md#spec-files): its kind and its query, kept
// in a small JSON or TOML file — {"analysis":"funnel","steps":[...]} — so
// analyses live in git and run headless with spoor run.
type Spec struct {
	Analysis string
	Query    any // *TrendsQuery, *FunnelQuery, *PathsQuery, *RetentionQuery or *LifecycleQuery (or another kind's)

	kind Analysis // set by Analyses.ParseSpec
}

// Analysis is one kind of analysis a spec can hold. A kind of the query
// model runs on any Engine (OnEngine); one built on the Dataset's columns
// (experiments, attribution) runs on a Dataset only (Run).
type Analysis struct {
	NewQuery func() any                                                // pointer to a zero query
	Run      func(ctx context.Context, d *Dataset, q any) (any, error) // q as NewQuery returns it
	OnEngine func(ctx context.Context, e Engine, q any) (any, error)   // nil: Run, on a Dataset
}

// Analyses are the kinds a spec may name, by name.
type Analyses map[string]Analysis

// Builtin returns this package's analyses, in a new map: kinds defined
// above query (experiments) are added to it by whoever reads specs.
func Builtin() Analyses {
	return Analyses{
		"trends": {NewQuery: func() any { return &TrendsQuery{} }, OnEngine: func(ctx context.Context, e Engine, q any) (any, error) {
			return e.Trends(ctx, *q.(*TrendsQuery))
		}},
		"funnel": {NewQuery: func() any { return &FunnelQuery{} }, OnEngine: func(ctx context.Context, e Engine, q any) (any, error) {
			return e.Funnel(ctx, *q.(*FunnelQuery))
		}},
		"paths": {NewQuery: func() any { return &PathsQuery{} }, OnEngine: func(ctx context.Context, e Engine, q any) (any, error) {
			return e.Paths(ctx, *q.(*PathsQuery))
		}},
		"retention": {NewQuery: func() any { return &RetentionQuery{} }, OnEngine: func(ctx context.Context, e Engine, q any) (any, error) {
			return e.Retention(ctx, *q.(*RetentionQuery))
		}},
		"lifecycle": {NewQuery: func() any { return &LifecycleQuery{} }, OnEngine: func(ctx context.Context, e Engine, q any) (any, error) {
			return e.Lifecycle(ctx, *q.(*LifecycleQuery))
		}},
	}
}

// Names lists the kinds, sorted.
func (analyses Analyses) Names() []string {
	var out []string
	for k := range analyses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes the query's fields with "analysis" first.
func (s Spec) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(s.Query)
	if err != nil {
		return nil, err
	}
	head, _ := json.Marshal(s.Analysis)
	body = bytes.TrimPrefix(body, []byte("{"))
	if len(bytes.TrimSpace(body)) > 1 {
		return append(append([]byte(`{"analysis":`), head...), append([]byte(","), body...)...), nil
	}
	return append(append([]byte(`{"analysis":`), head...), '}'), nil
}

// ParseSpec reads a spec file's content: JSON when it starts with "{",
// TOML otherwise. Unknown keys are errors, so a typo is not silently
// ignored. The analysis must be one of analyses.
func (analyses Analyses) ParseSpec(data []byte) (Spec, error) {
	if len(data) > MaxSpecSize {
		return Spec{}, i18n.Errorf("a spec of %d bytes is too large: spec files are kept under %d KB (a saved analysis is usually under 2 KB)", len(data), MaxSpecSize>>10)
	}
	var fields map[string]any
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if bytes.HasPrefix(trimmed, []byte("{")) {
		if err := json.Unmarshal(trimmed, &fields); err != nil {
			return Spec{}, i18n.Errorf("read spec as JSON: %w", err)
		}
	} else if err := checkTOMLDepth(string(trimmed)); err != nil {
		return Spec{}, i18n.Errorf("read spec as TOML: %w", err)
	} else if _, err := toml.Decode(string(trimmed), &fields); err != nil {
		return Spec{}, i18n.Errorf("read spec as TOML: %w", err)
	}
	kind, isText := fields["analysis"].(string)
	if v, given := fields["analysis"]; given && !isText {
		return Spec{}, i18n.Errorf("spec \"analysis\" must be a string naming the analysis, one of %s (got %s)", strings.Join(analyses.Names(), ", "), describeValue(v))
	}
	a, ok := analyses[kind]
	if !ok {
		return Spec{}, i18n.Errorf("spec needs \"analysis\": one of %s (got %q)", strings.Join(analyses.Names(), ", "), kind)
	}
	delete(fields, "analysis")
	delete(fields, "name") // a label for lists; not part of the query
	body, err := json.Marshal(fields)
	if err != nil {
		return Spec{}, err
	}
	q := a.NewQuery()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(q); err != nil {
		return Spec{}, i18n.Errorf("%s spec: %w", kind, err)
	}
	return Spec{Analysis: kind, Query: q, kind: a}, nil
}

// Run executes the analysis of a spec ParseSpec read on e: a kind of the
// query model on any Engine, another kind on a Dataset only.
func (s Spec) Run(ctx context.Context, e Engine) (any, error) {
	if s.kind.OnEngine != nil {
		return s.kind.OnEngine(ctx, e, s.Query)
	}
	if s.kind.Run == nil {
		return nil, i18n.Errorf("analysis %q was not read by ParseSpec", s.Analysis)
	}
	d, ok := e.(*Dataset)
	if !ok {
		return nil, i18n.Errorf("a %s spec needs a local spoor database for now", s.Analysis)
	}
	return s.kind.Run(ctx, d, s.Query)
}

// describeValue names a decoded JSON or TOML value for an error message.
func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("%v, a boolean", x)
	case float64, int64:
		return fmt.Sprintf("%v, a number", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%v", v)
}
