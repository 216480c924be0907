package experiment

import (
	"context"

	"github.com/spoorhq/spoor/i18n"
	"github.com/spoorhq/spoor/query"
)

// SpecAnalysis lets experiments be saved as spec files and run with spoor
// run: {"analysis":"experiment","variant":"exp_checkout","goal":"purchase"}.
// Package specfile adds it to query's analyses.
func SpecAnalysis() query.Analysis {
	return query.Analysis{
		NewQuery: func() any { return &Query{} },
		Run:      func(ctx context.Context, d *query.Dataset, q any) (any, error) { return Run(ctx, d, *q.(*Query)) },
		OnEngine: func(ctx context.Context, e query.Engine, q any) (any, error) { return Evaluate(ctx, e, *q.(*Query)) },
	}
}

// Backend is an engine that evaluates experiments where its events are
// (package chquery's), with the same results as Run.
type Backend interface {
	Experiment(ctx context.Context, q Query) (*Result, error)
}

// Evaluate runs the experiment on e: in memory, or on a Backend.
func Evaluate(ctx context.Context, e query.Engine, q Query) (*Result, error) {
	switch b := e.(type) {
	case *query.Dataset:
		return Run(ctx, b, q)
	case Backend:
		return b.Experiment(ctx, q)
	}
	return nil, i18n.Errorf("a %s spec needs a local spoor database for now", "experiment")
}
